import { describe, expect, it } from "vitest";
import {
  extractJson,
  parseStatusJson,
  parseStatusTable,
  SkyOutputError,
  stripAnsi,
} from "../../../src/drivers/skypilot/status-output.ts";

const RECORD = {
  name: "rhx-demo",
  launched_at: 1767225600,
  last_use: "sky launch -y -c rhx-demo /tmp/rhx-task.yaml",
  status: "UP",
  autostop: 30,
  to_down: true,
  owner: null,
  metadata: {},
  cluster_hash: "9c1d",
  storage_mounts_metadata: null,
  cluster_ever_up: true,
  status_updated_at: 1767225700,
  user_hash: "abcd1234",
  user_name: "me",
  config_hash: null,
  workspace: "default",
  last_creation_yaml: null,
  last_creation_command: "sky launch -y -c rhx-demo /tmp/rhx-task.yaml",
  is_managed: false,
  last_event: null,
  resources_str: "1x(cpus=8, mem=32, m6i.2xlarge, ...)",
  resources_str_full: "1x(cpus=8, mem=32, m6i.2xlarge, image_id=docker:ghcr.io/me/app:1, disk=256)",
  nodes: 1,
  cloud: "AWS",
  region: "us-east-1",
  cpus: "8",
  memory: "32",
  accelerators: null,
  cluster_name_on_cloud: "rhx-demo-9c1d",
};

describe("parseStatusJson", () => {
  it("reads the indent-2 array of StatusResponse records", () => {
    const stdout = `${JSON.stringify([RECORD], null, 2)}\n`;
    expect(parseStatusJson(stdout)).toEqual([
      {
        name: "rhx-demo",
        status: "UP",
        autostop: 30,
        autodown: true,
        launchedAt: 1767225600,
        resources: "1x(cpus=8, mem=32, m6i.2xlarge, image_id=docker:ghcr.io/me/app:1, disk=256)",
        cloud: "AWS",
        region: "us-east-1",
        infra: "AWS (us-east-1)",
        clusterHash: "9c1d",
      },
    ]);
  });

  it("skips the stray prose line of issue #10713 before `[]`", () => {
    const stdout = "Cluster(s) not found: \x1b[1mdefinitely-not-a-cluster-xyz\x1b[0m.\n[]\n";
    expect(parseStatusJson(stdout)).toEqual([]);
  });

  it("skips the local API server start lines on a fresh machine", () => {
    const stdout = [
      "Failed to connect to SkyPilot API server at http://127.0.0.1:46580. Starting a local server.",
      "✓ SkyPilot API server started.",
      JSON.stringify([{ ...RECORD, status: "INIT", autostop: -1, to_down: false }], null, 2),
    ].join("\n");
    expect(parseStatusJson(stdout)).toEqual([expect.objectContaining({ name: "rhx-demo", status: "INIT" })]);
    expect(parseStatusJson(stdout)[0]).not.toHaveProperty("autostop");
  });

  it("accepts summary records with nulls and the enum repr of the status", () => {
    const stdout = JSON.stringify([
      { name: "a", status: "ClusterStatus.STOPPED", launched_at: null, cloud: null },
    ]);
    expect(parseStatusJson(stdout)).toEqual([{ name: "a", status: "STOPPED" }]);
  });

  it("reads the newer AUTOSTOPPING and PENDING statuses", () => {
    const stdout = JSON.stringify([
      { name: "a", status: "AUTOSTOPPING" },
      { name: "b", status: "PENDING" },
    ]);
    expect(parseStatusJson(stdout).map((c) => c.status)).toEqual(["AUTOSTOPPING", "PENDING"]);
  });

  it("throws a SkyOutputError when there is no JSON array or a status is unknown", () => {
    expect(() => parseStatusJson("No existing clusters.\n")).toThrow(SkyOutputError);
    expect(() => parseStatusJson('[{"name": "a", "status": "EXPLODED"}]')).toThrow(/unknown cluster status/);
    expect(() => parseStatusJson('[{"status": "UP"}]')).toThrow(/no name/);
  });
});

describe("extractJson", () => {
  it("takes the last document and ignores prose after it", () => {
    expect(extractJson("[1]\nnoise\n[\n  2\n]\nWarning: done.\n", "[")).toEqual([2]);
    expect(extractJson('{\n  "default": {}\n}', "{")).toEqual({ default: {} });
    expect(extractJson("nothing here", "[")).toBeUndefined();
  });

  it("stripAnsi removes colour codes", () => {
    expect(stripAnsi("\x1b[32mUP\x1b[0m")).toBe("UP");
  });
});

// ≥0.10 table (status_utils.show_status_table): prettytable, no border, 2 spaces right padding.
const NEW_ROWS = [
  "NAME      INFRA                RESOURCES                                          STATUS  AUTOSTOP    LAUNCHED        ",
  "rhx-demo  AWS (us-east-1a)     1x(cpus=8, mem=32, m6i.2xlarge, ...)               UP      30m (down)  2 hrs ago       ",
  "rhx-gpu   GCP (us-central1-a)  1x(cpus=8, mem=52, gpus=L4:1, g2-standard-8, ...)  INIT    -           a few secs ago  ",
];
const NEW_TABLE = [
  "Enabled Infra: AWS, GCP, Kubernetes",
  "",
  "Clusters",
  ...NEW_ROWS,
  "",
  "Managed jobs",
  "No in-progress managed jobs.",
  "",
  "Services",
  "No live services.",
  "",
  "* 1 cluster has auto{stop,down} scheduled. Refresh statuses with: sky status --refresh",
].join("\n");

describe("parseStatusTable", () => {
  it("reads the ≥0.10 columns by header position", () => {
    const table = ["Clusters", ...NEW_ROWS].join("\n");
    expect(parseStatusTable(table)).toEqual([
      {
        name: "rhx-demo",
        status: "UP",
        autostop: 30,
        autodown: true,
        launched: "2 hrs ago",
        resources: "1x(cpus=8, mem=32, m6i.2xlarge, ...)",
        infra: "AWS (us-east-1a)",
        cloud: "AWS",
      },
      {
        name: "rhx-gpu",
        status: "INIT",
        launched: "a few secs ago",
        resources: "1x(cpus=8, mem=52, gpus=L4:1, g2-standard-8, ...)",
        infra: "GCP (us-central1-a)",
        cloud: "GCP",
      },
    ]);
  });

  it("stops at the first line that is not a row (sections after a blank line)", () => {
    expect(parseStatusTable(NEW_TABLE).map((c) => c.name)).toEqual(["rhx-demo", "rhx-gpu"]);
  });

  it("reads the ≤0.9 columns (PR #1217's example table)", () => {
    const table = [
      "NAME             LAUNCHED        RESOURCES             STATUS  AUTOSTOP   COMMAND                         ",
      "test-autodown    a few secs ago  1x GCP(n1-highmem-8)  UP      1m (down)  sky launch -c test-autodown...  ",
      "smoke-test-zhwu  9 hrs ago       1x GCP(n1-highmem-8)  UP      -          sky start smoke-test-zhwu ",
    ].join("\n");
    expect(parseStatusTable(table)).toEqual([
      {
        name: "test-autodown",
        status: "UP",
        autostop: 1,
        autodown: true,
        launched: "a few secs ago",
        resources: "1x GCP(n1-highmem-8)",
      },
      { name: "smoke-test-zhwu", status: "UP", launched: "9 hrs ago", resources: "1x GCP(n1-highmem-8)" },
    ]);
  });

  it("reads verbose and all-users columns and strips ANSI-coloured STATUS cells", () => {
    const table = [
      "Clusters",
      "NAME   USER  INFRA             RESOURCES            STATUS   AUTOSTOP  LAUNCHED   HEAD_IP    COMMAND",
      "a      me    AWS (us-east-1a)  1x(cpus=2, mem=8)    \x1b[33mSTOPPED\x1b[0m  -         1 day ago  -          sky launch -c a",
    ].join("\n");
    expect(parseStatusTable(table)).toEqual([
      expect.objectContaining({
        name: "a",
        status: "STOPPED",
        launched: "1 day ago",
        infra: "AWS (us-east-1a)",
      }),
    ]);
  });

  it("reads `(down)` without minutes and the newer statuses", () => {
    const table = [
      "NAME  INFRA        RESOURCES  STATUS        AUTOSTOP  LAUNCHED",
      "a     Kubernetes   1x(cpus=2) AUTOSTOPPING  (down)    1 min ago",
    ].join("\n");
    const [a] = parseStatusTable(table);
    expect(a).toMatchObject({ name: "a", autodown: true });
    expect(a).not.toHaveProperty("autostop");
  });

  it("returns [] for 'No existing clusters.' and for a named cluster that is not found", () => {
    expect(parseStatusTable("Enabled Infra: AWS\n\nClusters\nNo existing clusters.\n")).toEqual([]);
    expect(
      parseStatusTable("Cluster(s) not found: \x1b[1mx\x1b[0m.\nClusters\nCluster 'x' not found.\n"),
    ).toEqual([]);
    expect(parseStatusTable("Clusters\nClusters 'a', 'b' not found.\n")).toEqual([]);
  });

  it("does not mistake the 'not found' line under a table for a row", () => {
    const table = [
      "Clusters",
      "NAME  INFRA             RESOURCES           STATUS  AUTOSTOP  LAUNCHED    ",
      "a     AWS (us-east-1a)  1x(cpus=2, mem=8)   UP      -         1 min ago   ",
      "Cluster 'b' not found.",
    ].join("\n");
    expect(parseStatusTable(table).map((c) => c.name)).toEqual(["a"]);
  });

  it("ignores the services table, which also has NAME and STATUS columns", () => {
    const text = [
      "Clusters",
      "No existing clusters.",
      "",
      "Services",
      "NAME     VERSION  UPTIME  STATUS  REPLICAS  ENDPOINT",
      "svc      1        1h      READY   1/1       1.2.3.4:30001",
    ].join("\n");
    expect(parseStatusTable(text)).toEqual([]);
  });

  it("throws a SkyOutputError on unrelated output", () => {
    expect(() => parseStatusTable("Traceback (most recent call last):\n")).toThrow(SkyOutputError);
  });
});
