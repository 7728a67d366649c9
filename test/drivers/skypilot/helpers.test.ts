// The SkyPilot driver's pure pieces: reading `sky api status -v`, job output and return codes, the
// status mapping, autostop flags, and the health-check script (run for real with /bin/sh).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobOutput, jobReturnCode, REMOTE_RUNNER } from "../../../src/drivers/skypilot/exec.ts";
import { parseRequestTable } from "../../../src/drivers/skypilot/launch.ts";
import { autostopArgs } from "../../../src/drivers/skypilot/lifecycle.ts";
import { healthScript, healthUrl } from "../../../src/drivers/skypilot/server.ts";
import { toLiveCluster } from "../../../src/drivers/skypilot/status.ts";

describe("sky api status -v", () => {
  it("reads the requests, ANSI and all", () => {
    const stdout = [
      "ID                                    User  Name        Cluster  Created         Status",
      "3f0c1d2e-1111-4222-8333-944455556666  me    sky.launch  web      a few secs ago  \x1b[34mRUNNING\x1b[0m",
      "aa0c1d2e-1111-4222-8333-944455556666  me    sky.status  -        a few secs ago  RUNNING",
    ].join("\n");
    expect(parseRequestTable(stdout)).toEqual([
      { id: "3f0c1d2e-1111-4222-8333-944455556666", name: "sky.launch", cluster: "web", status: "RUNNING" },
      { id: "aa0c1d2e-1111-4222-8333-944455556666", name: "sky.status", cluster: "-", status: "RUNNING" },
    ]);
  });

  it("an empty table (dashes) and no table are no requests", () => {
    expect(
      parseRequestTable("ID  User  Name  Cluster  Created  Status\n-   -     -     -        -        -"),
    ).toEqual([]);
    expect(parseRequestTable("Could not connect")).toEqual([]);
  });
});

describe("job output", () => {
  it.each([
    ["(task, pid=123) hello", "hello"],
    ["(setup pid=9) installing", "installing"],
    ["(rhx-exec, pid=77) a (b) c", "a (b) c"],
    ["(worker1, rank=1, pid=5, ip=10.0.0.2) x", "x"],
    ["\x1b[36m(task, pid=123)\x1b[0m colored", "colored"],
  ])("%j → %j", (line, text) => {
    expect(jobOutput(line)).toBe(text);
  });

  it("sky's own lines are not job output", () => {
    expect(jobOutput("⚙︎ Job submitted, ID: 3")).toBeUndefined();
    expect(jobOutput("✓ Job finished (status: SUCCEEDED).")).toBeUndefined();
  });

  it("the job's return code, first non-zero", () => {
    expect(jobReturnCode("ERROR: Job 3 failed with return code list: [7]")).toBe(7);
    expect(jobReturnCode("ERROR: Job 3 failed with return code list: [0, 137, 1]")).toBe(137);
    expect(jobReturnCode("✓ Job finished (status: SUCCEEDED).")).toBeUndefined();
  });
});

describe("status mapping", () => {
  it.each([
    ["UP", "running"],
    ["INIT", "init"],
    ["PENDING", "init"],
    ["STOPPED", "stopped"],
    ["AUTOSTOPPING", "stopped"],
  ] as const)("%s → %s", (status, state) => {
    expect(toLiveCluster({ name: "web", status }, true).state).toBe(state);
  });

  it("id, image, autostop and a phrase for rhx status", () => {
    expect(
      toLiveCluster(
        {
          name: "web",
          status: "UP",
          autostop: 60,
          autodown: true,
          infra: "AWS (us-east-1)",
          clusterHash: "abc",
          resources: "1x(cpus=2, mem=8, m6i.large, image_id=docker:team/app:1.0, disk=256)",
        },
        true,
      ),
    ).toEqual({
      state: "running",
      id: "abc",
      image: "team/app:1.0",
      ownedByRhx: true,
      autostopMins: 60,
      detail: "UP, on AWS (us-east-1), autodown after 60 min idle",
    });
    // The old table's resources cell is cut at 70 characters: a cut image is no image.
    expect(
      toLiveCluster(
        { name: "w", status: "UP", resources: "1x AWS(m6i.large, image_id={'us-east-1': 'docker:team/a..." },
        true,
      ).image,
    ).toBeUndefined();
    expect(
      toLiveCluster(
        { name: "w", status: "UP", resources: "1x AWS(m6i.large, image_id={'us-east-1': 'docker:t/a:1'})" },
        true,
      ).image,
    ).toBe("t/a:1");
  });
});

describe("autostop flags", () => {
  it("`-i N --down` (Runhouse's down=True), `--cancel` for -1", () => {
    expect(autostopArgs({ name: "web", autostop_mins: 30 })).toEqual([
      "autostop",
      "-y",
      "web",
      "-i",
      "30",
      "--down",
    ]);
    expect(autostopArgs({ name: "web", autostop_mins: 0 })).toEqual([
      "autostop",
      "-y",
      "web",
      "-i",
      "0",
      "--down",
    ]);
    expect(autostopArgs({ name: "web", autostop_mins: -1 })).toEqual(["autostop", "-y", "web", "--cancel"]);
  });
});

/** What http_server.py's check_server answers when Ray is not initialized (HTTP 200, compact JSON). */
const RAY_NOT_INITIALIZED = JSON.stringify({
  data: {
    error: "gASVTAAAAAAAAACMCGJ1aWx0aW5zlIwJRXhjZXB0aW9ulJOU\n",
    traceback:
      'Traceback (most recent call last):\n  File "http_server.py", line 830, in check_server\n    raise Exception("Ray is not initialized, restart the server.")\nException: Ray is not initialized, restart the server.\n',
  },
  output_type: "exception",
  serialization: "pickle",
});

describe("the health-check script (POSIX sh)", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ray-down") return res.end(RAY_NOT_INITIALIZED); // still 200, as the real one
      res.statusCode = req.url === "/check" ? 200 : 404;
      res.end(req.url === "/check" ? '{"rh_version": "0.0.36"}' : "no");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const spec = (path: string) => ({
    server: { port, health_path: path, den_auth: false, health_timeout_secs: 1 },
  });

  it("answers: exit 0 and one verdict line with the body", async () => {
    const result = await execa("/bin/sh", ["-c", healthScript(healthUrl(spec("/check")), 5, 200)], {
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `rhx-health: http://127.0.0.1:${port}/check answered after 1 attempt(s): {"rh_version": "0.0.36"}`,
    );
  });

  it("no answer: polls at the interval until the budget, then exit 1 with the last error", async () => {
    const started = Date.now();
    const result = await execa("/bin/sh", ["-c", healthScript(healthUrl(spec("/missing")), 2, 300)], {
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        `^rhx-health: no answer from http://127\\.0\\.0\\.1:${port}/missing within 2s after \\d+ attempt\\(s\\); last error: .*404`,
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it("a 200 without rh_version (Ray not initialized) is no answer; the exception is the last error", async () => {
    const result = await execa("/bin/sh", ["-c", healthScript(healthUrl(spec("/ray-down")), 1, 300)], {
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      "last error: answered without rh_version: Exception: Ray is not initialized, restart the server.",
    );
    // A custom health_path is not Runhouse's /check: any 2xx answers there.
    const any = await execa("/bin/sh", ["-c", healthScript(healthUrl(spec("/ray-down")), 1, 300, true)], {
      reject: false,
    });
    expect(any.exitCode).toBe(0);
  });

  it("the remote runner reads the script from stdin, then runs it with stdin closed", async () => {
    const result = await execa("/bin/sh", ["-c", REMOTE_RUNNER], {
      input: 'export GREETING="hi there"\necho "$GREETING"; cat; echo done',
      reject: false,
    });
    expect(result.stdout).toBe("hi there\ndone");
    expect(result.exitCode).toBe(0);
  });
});
