import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, removeContainers, requireDocker, TEST_IMAGES, uniqueName } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { BUILT_BIN, ensureBuilt, runBuiltCli } from "../helpers/run-cli.ts";

/**
 * The leak suite (issue 8): every command through its success and failure paths with a distinctive
 * password, then stdout, stderr, every file under the state dir, rhx's temp dir and the argv of every
 * `docker` it ran are scanned for the password, in the forms a leak would take.
 */

const PASSWORD = "Rhx-Leak-Canary-7f3a9c41";
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString("base64")];

let work: string;
let stateDir: string;
let rhxTmp: string;
let argvLog: string;
let binDir: string;
let registry: TestRegistry;
const transcripts: string[] = [];
const names: string[] = [];

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  await ensureBuilt();
  work = await mkdtemp(join(tmpdir(), "rhx-leak-"));
  stateDir = join(work, "state");
  rhxTmp = join(work, "tmp");
  argvLog = join(work, "docker-argv.log");
  binDir = join(work, "bin");
  await mkdir(rhxTmp);
  await mkdir(binDir);
  // Every `docker` rhx runs goes through this recorder first: its argv is what a `ps` would show.
  const realDocker = (await execa("sh", ["-c", "command -v docker"])).stdout.trim();
  await writeFile(
    join(binDir, "docker"),
    `#!/bin/sh\nfor a in "$@"; do printf '%s ' "$a"; done >> "${argvLog}"\necho >> "${argvLog}"\nexec "${realDocker}" "$@"\n`,
  );
  await chmod(join(binDir, "docker"), 0o755);
  registry = await startRegistry({ users: { leaker: PASSWORD } });
  await registry.push(TEST_IMAGES.runhouse, "leak/runhouse:1");
});

afterAll(async () => {
  for (const name of names) await removeContainers(`rhx-${name}`);
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

async function project(
  name: string,
  options: { password?: string; tag?: string; setup?: string[]; env?: string } = {},
) {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const setup = (options.setup ?? ["echo using $SKYPILOT_DOCKER_SERVER"])
    .map((s) => `  - ${JSON.stringify(s)}`)
    .join("\n");
  await writeFile(
    join(dir, "cluster.yaml"),
    [
      `name: ${name}`,
      "provider: local",
      `image_id: docker:leak/runhouse:${options.tag ?? "1"}`,
      "docker:",
      "  username: ${REG_USER}",
      "  password: ${SKYPILOT_DOCKER_PASSWORD}",
      `  server: ${registry.host}`,
      "env:",
      "  API_TOKEN: ${SKYPILOT_DOCKER_PASSWORD}",
      options.env ?? "",
      `setup:\n${setup}`,
      "server:",
      `  port: ${await freePort()}`,
      "",
    ].join("\n"),
  );
  await writeFile(
    join(dir, ".env"),
    `REG_USER=leaker\nSKYPILOT_DOCKER_PASSWORD=${options.password ?? PASSWORD}\n`,
  );
  return dir;
}

async function rhx(dir: string, argv: string[]) {
  const result = await runBuiltCli(argv, {
    cwd: dir,
    env: {
      RHX_STATE_DIR: stateDir,
      TMPDIR: rhxTmp,
      PATH: `${binDir}:${process.env.PATH}`,
      CI: "true",
    },
  });
  transcripts.push(`$ rhx ${argv.join(" ")}\n${result.stdout}\n${result.stderr}`);
  return result;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("no secret leaks", () => {
  it("through every command's success and failure paths", { timeout: 300_000 }, async () => {
    const good = uniqueName("leak-good");
    names.push(good);
    const goodDir = await project(good);
    for (const argv of [["validate"], ["--json", "validate"], ["check"], ["--json", "check"], ["plan"]]) {
      await rhx(goodDir, argv);
    }
    expect((await rhx(goodDir, ["-v", "apply"])).exitCode).toBe(0);
    expect((await rhx(goodDir, ["--json", "apply"])).exitCode).toBe(0);
    await rhx(goodDir, ["status"]);
    await rhx(goodDir, ["--json", "status"]);
    expect((await rhx(goodDir, ["ssh", good, "--", "sh", "-c", "echo $API_TOKEN"])).exitCode).toBe(0);

    // A failing setup that prints the secret, and a server that fails to start.
    await writeFile(
      join(goodDir, "cluster.yaml"),
      (await readFile(join(goodDir, "cluster.yaml"), "utf8")).replace(
        /setup:\n.*\n/,
        'setup:\n  - "echo token is $API_TOKEN; exit 3"\n',
      ),
    );
    const failing = await rhx(goodDir, ["-v", "apply"]);
    expect(failing.exitCode, failing.stderr).toBe(1);
    expect((await rhx(goodDir, ["--json", "apply"])).exitCode).toBe(1);

    const failingServer = uniqueName("leak-server");
    names.push(failingServer);
    const serverDir = await project(failingServer, { env: "  RHX_FAKE_RUNHOUSE_FAIL: restart" });
    expect((await rhx(serverDir, ["--json", "-v", "apply"])).exitCode).toBe(1);

    // Wrong password and a missing tag: pre-flight stops both.
    const bad = uniqueName("leak-bad");
    const badDir = await project(bad, { password: `${PASSWORD}-wrong` });
    expect((await rhx(badDir, ["apply"])).exitCode).toBe(4);
    expect((await rhx(badDir, ["--json", "check"])).exitCode).toBe(4);
    const missing = uniqueName("leak-tag");
    const missingDir = await project(missing, { tag: "nope" });
    expect((await rhx(missingDir, ["--json", "apply"])).exitCode).toBe(4);

    // An interrupted apply.
    const interrupted = uniqueName("leak-int");
    names.push(interrupted);
    const intDir = await project(interrupted, { setup: ["echo $API_TOKEN", "sleep 300"] });
    const child = execa(process.execPath, ["--", BUILT_BIN, "-v", "apply"], {
      cwd: intDir,
      env: { RHX_STATE_DIR: stateDir, TMPDIR: rhxTmp, PATH: `${binDir}:${process.env.PATH}`, CI: "true" },
      extendEnv: false,
      reject: false,
    });
    let err = "";
    await new Promise<void>((resolve) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes("sleep 300")) resolve();
      });
    });
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    transcripts.push(String(result.stdout), String(result.stderr));

    for (const name of [good, failingServer, interrupted]) await rhx(goodDir, ["down", "--yes", name]);

    const hits: string[] = [];
    const scan = (where: string, text: string) => {
      for (const form of FORMS)
        if (text.includes(form))
          hits.push(`${where} contains the password (${form === PASSWORD ? "plain" : "encoded"})`);
    };
    transcripts.forEach((t, i) => {
      scan(`transcript ${i}: ${t.split("\n")[0]}`, t);
    });
    for (const file of [...(await filesUnder(stateDir)), ...(await filesUnder(rhxTmp))]) {
      scan(file.replace(work, "<work>"), await readFile(file, "latin1"));
    }
    const argv = await readFile(argvLog, "utf8");
    expect(argv).toContain("login");
    scan("docker argv", argv);
    expect(hits).toEqual([]);
    // The suite did exercise the secret: masked values show where it would have been.
    expect(transcripts.join("\n")).toContain("******");
  });
});
