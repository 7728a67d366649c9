import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type LoadOptions, loadClusters } from "../../src/config/load.ts";
import { parseConfigText } from "../../src/config/parse.ts";
import { locatePath } from "../../src/config/source.ts";
import { Redactor } from "../../src/secrets/redactor.ts";

let dir: string;
/** The run's redactor each load registers into; a fresh one per test. */
let redactor: Redactor;
beforeEach(async () => {
  redactor = new Redactor();
  dir = await mkdtemp(join(tmpdir(), "rhx-load-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadText(text: string, options: Partial<LoadOptions> = {}, file = "cluster.yaml") {
  await writeFile(join(dir, file), text);
  return loadClusters({
    files: [file],
    cwd: dir,
    unsetVariables: "error",
    processEnv: {},
    redactor,
    ...options,
  });
}

const redact = (text: string) => redactor.redact(text);

const codes = (r: { diagnostics: { code: string }[] }) => r.diagnostics.map((d) => d.code);

describe("multi-document files", () => {
  test("one cluster per document, in order, each knowing its document and position", async () => {
    const result = await loadText(
      [
        "# leading comment",
        "---",
        "name: first",
        "provider: local",
        "image_id: docker:ubuntu:22.04",
        "---",
        "# the second one",
        "name: second",
        "provider: aws",
        "image_id: docker:ubuntu:22.04",
        "---",
        "",
      ].join("\n"),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters.map((c) => [c.spec.name, c.document, c.location.line, c.location.column])).toEqual(
      [
        // The leading comment and `---` open the first document, as YAML reads it.
        ["first", 0, 3, 7],
        ["second", 1, 8, 7],
      ],
    );
  });

  test("a bad document does not hide the good ones' problems, nor stop them from loading", async () => {
    const result = await loadText(
      [
        "name: ok",
        "provider: local",
        "image_id: docker:ubuntu:22.04",
        "---",
        "name: bad",
        "provider: nowhere",
        "image_id: docker:ubuntu:22.04",
        "---",
        "name: also-bad",
        "provider: local",
        "image_id: docker:ubuntu:22.04",
        "num_nodes: 3",
      ].join("\n"),
    );
    expect(result.clusters.map((c) => c.spec.name)).toEqual(["ok"]);
    expect(result.diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.code}`)).toEqual([
      "6:11 RHX_CONFIG_SCHEMA",
      "12:12 RHX_LOCAL_CONSTRAINT",
    ]);
  });

  test("a YAML syntax error anywhere stops the whole file (its documents cannot be trusted)", async () => {
    const result = await loadText("name: a\nprovider: local\nimage_id: docker:x\n---\nname: [b\n");
    expect(result.clusters).toEqual([]);
    expect(codes(result)).toEqual(["RHX_YAML_BAD_INDENT"]);
  });

  test("several files: clusters from all, diagnostics grouped per file in the order given", async () => {
    await writeFile(join(dir, "b.yaml"), "name: b\nprovider: local\nimage_id: docker:x\nbogus: 1\n");
    await writeFile(join(dir, "a.yaml"), "name: a\nprovider: lokal\nimage_id: docker:x\n");
    await writeFile(join(dir, "c.yaml"), "name: c\nprovider: local\nimage_id: docker:x\n");
    const result = await loadClusters({
      redactor: new Redactor(),
      files: ["b.yaml", "a.yaml", "c.yaml"],
      cwd: dir,
      unsetVariables: "error",
      processEnv: {},
    });
    expect(result.clusters.map((c) => c.spec.name)).toEqual(["c"]);
    expect(result.diagnostics.map((d) => `${d.location?.file}:${d.location?.line}`)).toEqual([
      "b.yaml:4",
      "a.yaml:2",
    ]);
  });
});

describe("interpolation in a file", () => {
  test("values are interpolated after parsing: they never change the document's structure", async () => {
    const result = await loadText(
      "name: demo\nprovider: local\nimage_id: docker:ubuntu:22.04\nenv:\n  A: ${INJECT}\n  B: '${INJECT}'\n  C: \"${INJECT}\"\n",
      { processEnv: { INJECT: "x\nevil: [1, 2]\n- item" } },
    );
    expect(result.diagnostics).toEqual([]);
    const env = result.clusters[0]?.spec.env;
    expect(env).toEqual({
      A: "x\nevil: [1, 2]\n- item",
      B: "x\nevil: [1, 2]\n- item",
      C: "x\nevil: [1, 2]\n- item",
    });
  });

  test("keys are never interpolated", async () => {
    const result = await loadText("name: demo\nprovider: local\nimage_id: docker:x\n${KEY}: 1\n", {
      processEnv: { KEY: "region" },
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual(["Unknown key `${KEY}` in the cluster."]);
  });

  test("`$$` is a literal dollar, in setup commands too", async () => {
    const result = await loadText(
      "name: demo\nprovider: local\nimage_id: docker:x\nsetup:\n  - echo $$HOME $${NOT_A_VAR} $PATH\n",
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters[0]?.spec.setup).toEqual(["echo $HOME ${NOT_A_VAR} $PATH"]);
  });

  test("an unquoted ${…} is read as a number or boolean where the schema wants one; quoted, it stays a string", async () => {
    const text =
      "name: demo\nprovider: aws\nimage_id: docker:x\nnum_nodes: ${N}\nuse_spot: ${SPOT}\nautostop_mins: ${STOP:--1}\nmemory: ${MEM}\nregion: ${REGION}\nenv:\n  PORT: ${N}\n";
    const result = await loadText(text, { processEnv: { N: "2", SPOT: "true", MEM: "16", REGION: "1234" } });
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters[0]?.spec).toMatchObject({
      num_nodes: 2,
      use_spot: true,
      autostop_mins: -1,
      memory: "16",
      region: "1234",
      env: { PORT: "2" },
    });
    const quoted = await loadText('name: demo\nprovider: aws\nimage_id: docker:x\nnum_nodes: "${N}"\n', {
      processEnv: { N: "2" },
    });
    expect(quoted.diagnostics.map((d) => d.message)).toEqual([
      '`num_nodes` must be a whole number, not a string ("2").',
    ]);
    const notNumber = await loadText("name: demo\nprovider: aws\nimage_id: docker:x\nnum_nodes: ${N}\n", {
      processEnv: { N: "two" },
    });
    expect(notNumber.diagnostics.map((d) => d.message)).toEqual([
      '`num_nodes` must be a whole number, not a string ("two").',
    ]);
  });

  test("unset variables: warnings for validate, errors for commands that act, at the `${` as written", async () => {
    const text = "name: demo\nprovider: aws\nimage_id: docker:x\nregion: eu-${ZONE}\n";
    const lenient = await loadText(text, { unsetVariables: "warning" });
    expect(lenient.clusters).toHaveLength(1);
    expect(
      lenient.diagnostics.map((d) => [d.severity, d.code, d.location?.line, d.location?.column]),
    ).toEqual([["warning", "RHX_ENV_UNSET", 4, 12]]);
    const strict = await loadText(text, { unsetVariables: "error" });
    expect(strict.clusters).toEqual([]);
    expect(strict.diagnostics[0]).toMatchObject({ severity: "error", code: "RHX_ENV_UNSET" });
    expect(strict.diagnostics[0]?.frame).toBe(
      "  3 | image_id: docker:x\n> 4 | region: eu-${ZONE}\n    |            ^^^^^^^",
    );
  });

  test("schema errors about a value that could not be interpolated are not piled on", async () => {
    const result = await loadText("name: ${NAME}\nprovider: ${PROVIDER}\nimage_id: docker:x\n", {
      unsetVariables: "warning",
    });
    expect(codes(result)).toEqual(["RHX_ENV_UNSET", "RHX_ENV_UNSET"]);
  });

  test("a document that is nothing but an unset variable is still not a cluster", async () => {
    const result = await loadText("${WHOLE_FILE}\n", { unsetVariables: "warning" });
    expect(result.clusters).toEqual([]);
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual([
      "warning RHX_ENV_UNSET",
      "error RHX_CONFIG_SCHEMA",
    ]);
  });

  test("names that could not be interpolated are not duplicates of each other", async () => {
    // Two clouds, not two `provider: local` clusters, which would clash on the server's port.
    const doc = "name: ${NAME}\nprovider: aws\nimage_id: docker:x\n";
    const result = await loadText(`${doc}---\n${doc}`, { unsetVariables: "warning" });
    expect(result.clusters).toHaveLength(2);
    expect(codes(result)).toEqual(["RHX_ENV_UNSET", "RHX_ENV_UNSET"]);
  });

  test("records which variables each cluster used (for watch mode)", async () => {
    const result = await loadText(
      "name: demo\nprovider: local\nimage_id: docker:x\nenv:\n  A: ${ONE}\n  B: ${MISSING:-${TWO}}\n  C: ${THREE:-unused}\n",
      { processEnv: { ONE: "1", TWO: "2", THREE: "3" } },
    );
    expect(result.clusters[0]?.variables).toEqual(["ONE", "TWO", "THREE"]);
  });
});

describe("secrets", () => {
  test("secrets go into the run's redactor, not the process-wide one", async () => {
    await loadText("name: demo\nprovider: local\nimage_id: docker:x\nenv:\n  T: ${HF_TOKEN}\n", {
      processEnv: { HF_TOKEN: "hf_only-this-run" },
    });
    expect(redact("hf_only-this-run")).toBe("******");
    expect(new Redactor().redact("hf_only-this-run")).toBe("hf_only-this-run");
  });

  test("values of secret-looking variables are registered with the redactor, used or not", async () => {
    await writeFile(join(dir, ".env"), "UNUSED_TOKEN=token-never-used-1\n");
    await loadText("name: demo\nprovider: local\nimage_id: docker:x\nenv:\n  T: ${HF_TOKEN}\n", {
      processEnv: { HF_TOKEN: "hf_abcdefgh", PLAIN: "not-a-secret" },
    });
    expect(redact("hf_abcdefgh token-never-used-1 not-a-secret")).toBe("****** ****** not-a-secret");
  });

  test("a literal docker.password and secret-looking env entries are secrets too", async () => {
    await loadText(
      "name: demo\nprovider: aws\nimage_id: docker:org/app:1\ndocker:\n  username: bot\n  password: 'literal-pw-123'\n  server: ghcr.io\nenv:\n  HF_TOKEN: hf_literal_456 # a comment\n",
    );
    expect(redact("literal-pw-123 hf_literal_456")).toBe("****** ******");
  });

  test("a literal password is masked even when the file does not parse", async () => {
    const result = await loadText("docker:\n  password: broken-file-pw\n\tserver: x\n");
    expect(codes(result)).toEqual(["RHX_YAML_TAB_AS_INDENT"]);
    expect(redact(result.diagnostics[0]?.frame ?? "")).not.toContain("broken-file-pw");
  });

  test("a short secret is warned about by name, once, where it is used", async () => {
    const result = await loadText(
      "name: demo\nprovider: aws\nimage_id: docker:org/app:1\ndocker:\n  username: bot\n  password: ${SKYPILOT_DOCKER_PASSWORD}\n  server: ghcr.io\nenv:\n  P: ${SKYPILOT_DOCKER_PASSWORD}\n",
      { processEnv: { SKYPILOT_DOCKER_PASSWORD: "pw" } },
    );
    expect(result.diagnostics.map((d) => [d.code, d.message, d.location?.line])).toEqual([
      [
        "RHX_SECRET_TOO_SHORT",
        "SKYPILOT_DOCKER_PASSWORD is shorter than 5 characters, too short for rhx to mask in its output.",
        6,
      ],
    ]);
  });

  test("credentials from SKYPILOT_DOCKER_* are checked like a docker block", async () => {
    const result = await loadText("name: demo\nprovider: aws\nimage_id: docker:org/app:1\n", {
      processEnv: {
        SKYPILOT_DOCKER_USERNAME: "bot",
        SKYPILOT_DOCKER_PASSWORD: "abc",
        SKYPILOT_DOCKER_SERVER: "ghcr.io",
      },
    });
    expect(result.diagnostics.map((d) => `${d.code} ${d.location?.line}:${d.location?.column}`)).toEqual([
      "RHX_SECRET_TOO_SHORT 3:11",
    ]);
    expect(result.clusters[0]?.spec.docker).toEqual({
      username: "bot",
      password: "abc",
      server: "ghcr.io",
      source: "environment",
    });
  });
});

describe("positions", () => {
  test("locatePath points at keys, values, list items and nested values", () => {
    const text = "name: demo\nserver:\n  port: 32300\nsetup:\n  - one\n  -   two\nenv: {A: '1', B: \"2\"}\n";
    const [source] = parseConfigText("f.yaml", text).documents;
    if (!source) throw new Error("no document");
    const at = (path: (string | number)[], target: "key" | "value" = "value") => {
      const { location } = locatePath(source, path, target);
      return `${location.line}:${location.column}+${location.length}`;
    };
    expect(at(["name"])).toBe("1:7+4");
    expect(at(["name"], "key")).toBe("1:1+4");
    expect(at(["server", "port"])).toBe("3:9+5");
    expect(at(["server", "port"], "key")).toBe("3:3+4");
    expect(at(["server"])).toBe("3:3+1");
    expect(at(["setup", 1])).toBe("6:7+3");
    expect(at(["env", "B"])).toBe("7:18+3");
    // A path that does not exist points at the nearest thing that does.
    expect(at(["server", "nope"])).toBe("3:3+1");
    expect(at(["setup", 9])).toBe("5:3+1");
  });

  test("positions count lines after a BOM and CRLF line ends correctly", async () => {
    const result = await loadText(
      "\uFEFFname: demo\r\nprovider: local\r\nimage_id: docker:x\r\nbogus: 1\r\n",
    );
    expect(result.diagnostics.map((d) => [d.location?.line, d.location?.column, d.frame])).toEqual([
      [4, 1, "  3 | image_id: docker:x\n> 4 | bogus: 1\n    | ^^^^^"],
    ]);
  });
});
