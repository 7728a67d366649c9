import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { envFilesFor, looksSecret, readEnvironment } from "../../src/config/env.ts";
import { loadClusters } from "../../src/config/load.ts";
import { Redactor } from "../../src/secrets/redactor.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-env-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cluster = (extra = "") =>
  `name: demo\nprovider: local\nimage_id: docker:ubuntu:22.04\nenv:\n  WHO: \${WHO}\n${extra}`;

/** Loads `cluster.yaml` in `dir` and returns the container env it ends up with. */
async function load(options: { envFiles?: string[]; processEnv?: Record<string, string> } = {}) {
  const result = await loadClusters({
    redactor: new Redactor(),
    files: ["cluster.yaml"],
    cwd: dir,
    unsetVariables: "error",
    processEnv: options.processEnv ?? {},
    ...(options.envFiles ? { envFiles: options.envFiles } : {}),
  });
  return result;
}

describe("where variables come from", () => {
  test("process env beats every --env-file, which beat .env beside the config; later --env-files win", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    await writeFile(join(dir, ".env"), "WHO=dotenv\n");
    await writeFile(join(dir, "a.env"), "WHO=first-env-file\n");
    await writeFile(join(dir, "b.env"), "WHO=second-env-file\n");
    const who = async (options: Parameters<typeof load>[0]) =>
      (await load(options)).clusters[0]?.spec.env.WHO;
    expect(await who({})).toBe("dotenv");
    expect(await who({ envFiles: ["a.env"] })).toBe("first-env-file");
    expect(await who({ envFiles: ["a.env", "b.env"] })).toBe("second-env-file");
    expect(await who({ envFiles: ["b.env", "a.env"] })).toBe("first-env-file");
    expect(await who({ envFiles: ["a.env", "b.env"], processEnv: { WHO: "process" } })).toBe("process");
    // An empty value in the process environment is still a value: it wins.
    expect(await who({ envFiles: ["a.env"], processEnv: { WHO: "" } })).toBe("");
  });

  test("the .env that counts is the one beside the config file, not the one in the working directory", async () => {
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub/cluster.yaml"), cluster());
    await writeFile(join(dir, "sub/.env"), "WHO=beside\n");
    await writeFile(join(dir, ".env"), "WHO=cwd\n");
    const result = await loadClusters({
      redactor: new Redactor(),
      files: ["sub/cluster.yaml"],
      cwd: dir,
      unsetVariables: "error",
      processEnv: {},
    });
    expect(result.clusters[0]?.spec.env.WHO).toBe("beside");
    expect(result.inputs).toEqual([join(dir, "sub/cluster.yaml"), join(dir, "sub/.env")]);
  });

  test("--env-file paths are relative to the working directory and shown as written", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    const result = await load({ envFiles: ["missing/dev.env"] });
    expect(result.diagnostics.map((d) => [d.code, d.message, d.location?.file])).toEqual([
      ["RHX_ENV_FILE_UNREADABLE", "The env file missing/dev.env does not exist.", "missing/dev.env"],
      ["RHX_ENV_UNSET", "WHO is not set.", "cluster.yaml"],
    ]);
  });

  test("a missing .env beside the config is fine; a .env directory is skipped", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    expect((await load({ processEnv: { WHO: "x" } })).diagnostics).toEqual([]);
    await mkdir(join(dir, ".env"));
    expect((await load({ processEnv: { WHO: "x" } })).diagnostics).toEqual([]);
  });

  test("references in a file resolve in a file against earlier files and the process", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    await writeFile(join(dir, ".env"), "BASE=from-dotenv\n");
    await writeFile(join(dir, "a.env"), "WHO=${USER_NAME}@${BASE}\n");
    const result = await load({ envFiles: ["a.env"], processEnv: { USER_NAME: "ada" } });
    expect(result.clusters[0]?.spec.env.WHO).toBe("ada@from-dotenv");
  });

  test("envFilesFor lists .env beside the config first, then --env-files in order", () => {
    expect(envFilesFor("conf/cluster.yaml", ["x.env", "/abs/y.env"], "/work")).toEqual([
      { path: "/work/conf/.env", display: "conf/.env", required: false, source: "dotenv" },
      { path: "/work/x.env", display: "x.env", required: true, source: "env-file" },
      { path: "/abs/y.env", display: "/abs/y.env", required: true, source: "env-file" },
    ]);
  });
});

describe("references inside env files", () => {
  test("a reference to a variable set further down, or nowhere, is a warning at its line", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    await writeFile(
      join(dir, ".env"),
      [
        "# references",
        "A=${B}",
        "B=x",
        "C=$NOPE-y",
        "D=${E:-fine}",
        "F=\\$literal",
        "G=${FROM_PROCESS}",
        "H=${B}",
        "REGISTRY_TOKEN=pa$word123",
        "WHO=${A}",
      ].join("\n"),
    );
    const result = await load({ processEnv: { FROM_PROCESS: "p" } });
    expect(
      result.diagnostics.map((d) => [
        d.code,
        d.severity,
        `${d.location?.file}:${d.location?.line}:${d.location?.column}`,
        d.message,
      ]),
    ).toEqual([
      [
        "RHX_ENV_FILE_REFERENCE",
        "warning",
        ".env:2:3",
        "A refers to the variable set on line 3 of .env, further down; env files expand in order, so that part of A is empty.",
      ],
      [
        "RHX_ENV_FILE_REFERENCE",
        "warning",
        ".env:4:3",
        "C has a `$` reference to a variable that is not set, so that part of its value is empty.",
      ],
      [
        "RHX_ENV_FILE_REFERENCE",
        "warning",
        ".env:9:18",
        "REGISTRY_TOKEN has a `$` reference to a variable that is not set, so that part of its value is empty.",
      ],
    ]);
    expect(result.diagnostics[0]?.hint).toBe("Move line 3 above line 2.");
    // What dotenv-expand did and rhx keeps doing, which is why the warnings exist.
    expect(result.clusters[0]?.spec.env.WHO).toBe("");
    // The secret's remainder is never named in a message.
    expect(JSON.stringify(result.diagnostics)).not.toContain("word123");
    expect(result.diagnostics.every((d) => d.frame === undefined)).toBe(true);
  });

  test("names defined in an earlier env file or the process are fine", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    await writeFile(join(dir, ".env"), "BASE=b\n");
    await writeFile(join(dir, "a.env"), "WHO=${BASE}-${USER_NAME}\n");
    const result = await load({ envFiles: ["a.env"], processEnv: { USER_NAME: "u" } });
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters[0]?.spec.env.WHO).toBe("b-u");
  });
});

describe("side effects", () => {
  test("process.env is never written, and dotenv prints nothing", async () => {
    await writeFile(join(dir, "cluster.yaml"), cluster());
    await writeFile(join(dir, ".env"), "WHO=dotenv\nRHX_TEST_ONLY_FROM_DOTENV=1\nEXPANDED=${WHO}-x\n");
    await writeFile(join(dir, "a.env"), "RHX_TEST_ONLY_FROM_ENV_FILE=1\n");
    const before = { ...process.env };
    const stdout = vi.spyOn(process.stdout, "write");
    const stderr = vi.spyOn(process.stderr, "write");
    const log = vi.spyOn(console, "log");
    const info = vi.spyOn(console, "info");
    const result = await loadClusters({
      redactor: new Redactor(),
      files: ["cluster.yaml"],
      envFiles: ["a.env"],
      cwd: dir,
      unsetVariables: "error",
      // The real process environment, as the CLI passes it.
      processEnv: process.env,
    });
    expect(result.clusters[0]?.spec.env.WHO).toBe(process.env.WHO ?? "dotenv");
    expect(process.env).toEqual(before);
    expect(process.env.RHX_TEST_ONLY_FROM_DOTENV).toBeUndefined();
    expect(process.env.RHX_TEST_ONLY_FROM_ENV_FILE).toBeUndefined();
    expect(stdout).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
  });

  test("readEnvironment leaves the processEnv object it is given untouched", async () => {
    await writeFile(join(dir, ".env"), "A=1\nB=${A}2\n");
    const processEnv = Object.freeze({ C: "3" });
    const { env } = await readEnvironment(envFilesFor(join(dir, "cluster.yaml"), []), processEnv);
    expect(Object.fromEntries([...env].map(([k, v]) => [k, [v.value, v.source]]))).toEqual({
      A: ["1", "dotenv"],
      B: ["12", "dotenv"],
      C: ["3", "process"],
    });
  });
});

test.each([
  ["SKYPILOT_DOCKER_PASSWORD", true],
  ["HF_TOKEN", true],
  ["github_token", true],
  ["AWS_SECRET_ACCESS_KEY", true],
  ["API_KEY", true],
  ["MY_PASSWORD_FILE", true],
  ["KEYBOARD", false],
  ["HF_HOME", false],
  ["SKYPILOT_DOCKER_USERNAME", false],
  ["KEY_ID", false],
])("looksSecret(%s) is %s", (name, expected) => {
  expect(looksSecret(name)).toBe(expected);
});
