import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, removeContainers, requireDocker, TEST_IMAGES, uniqueName } from "../helpers/docker-env.ts";
import { BUILT_BIN, ensureBuilt, events, runBuiltCli, STACK_LINE } from "../helpers/run-cli.ts";

/**
 * README "Exit codes": exit codes are an API. One case per code, each run twice — human and `--json` — and
 * under `--json` stdout must hold nothing but events, whatever the outcome.
 */

let dir: string;
let stateDir: string;
const names: string[] = [];

function cluster(name: string, port: number, extra = ""): string {
  return `name: ${name}\nprovider: local\nimage_id: docker:${TEST_IMAGES.runhouse}\nserver:\n  port: ${port}\n${extra}`;
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { RHX_STATE_DIR: stateDir, CI: "true", ...extra };
}

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "rhx-exit-"));
  stateDir = join(dir, "state");
});

afterAll(async () => {
  for (const name of names) await removeContainers(`rhx-${name}`);
  await rm(dir, { recursive: true, force: true });
});

function expectOnlyEvents(stdout: string): void {
  for (const line of stdout.split("\n").filter(Boolean)) {
    const event = JSON.parse(line) as Record<string, unknown>;
    expect(event).toMatchObject({ v: 1, type: expect.any(String), time: expect.any(String) });
  }
}

describe("exit codes (README, Exit codes)", () => {
  const cases: { code: number; what: string; argv: () => Promise<string[]>; env?: Record<string, string> }[] =
    [
      {
        code: 0,
        what: "a valid file",
        argv: async () => ["validate", await file("ok.yaml", cluster("exit-ok", 1))],
      },
      {
        code: 1,
        what: "a setup command fails",
        argv: async () => {
          const name = uniqueName("exit-setup");
          names.push(name);
          return [
            "apply",
            await file(
              `${name}.yaml`,
              cluster(name, await freePort(), "setup:\n  - echo about to fail; exit 7\n"),
            ),
          ];
        },
      },
      {
        code: 2,
        what: "plan --detailed-exitcode with changes",
        argv: async () => [
          "plan",
          "--detailed-exitcode",
          await file("plan.yaml", cluster(uniqueName("exit-plan"), await freePort())),
        ],
      },
      {
        code: 3,
        what: "an invalid file",
        argv: async () => [
          "validate",
          await file("bad.yaml", "name: x\nprovider: awz\nimage_id: docker:a:1\n"),
        ],
      },
      {
        code: 4,
        what: "an unset credential",
        argv: async () => [
          "check",
          await file(
            "unset.yaml",
            `${cluster("exit-unset", 1)}docker:\n  username: u\n  password: \${RHX_TEST_UNSET_PASSWORD}\n  server: 127.0.0.1:1\n`,
          ),
        ],
      },
      {
        code: 5,
        what: "another rhx holds the lock",
        argv: async () => {
          const name = "exit-locked";
          await mkdir(join(stateDir, "locks"), { recursive: true });
          // This test process is alive on this host: its lock is not stale.
          const owner = {
            pid: process.pid,
            host: hostname(),
            startedAt: new Date().toISOString(),
            command: "test",
          };
          await writeFile(join(stateDir, "locks", `${name}.lock`), `${JSON.stringify(owner)}\n`);
          return ["apply", await file("locked.yaml", cluster(name, await freePort()))];
        },
      },
      { code: 64, what: "an unknown flag", argv: async () => ["validate", "--no-such-flag"] },
    ];

  for (const c of cases) {
    it(`${c.code}: ${c.what}`, async () => {
      const human = await runBuiltCli(await c.argv(), { cwd: dir, env: env(c.env) });
      expect(human.exitCode, human.stderr).toBe(c.code);
      expect(human.stdout).toBe("");
      expect(human.stderr).not.toMatch(STACK_LINE);
      const json = await runBuiltCli(["--json", ...(await c.argv())], { cwd: dir, env: env(c.env) });
      expect(json.exitCode, json.stderr).toBe(c.code);
      expectOnlyEvents(json.stdout);
      expect(events(json.stdout).length).toBeGreaterThan(0);
    });
  }

  it("130: SIGINT during a setup command", async () => {
    const name = uniqueName("exit-int");
    names.push(name);
    const path = await file(`${name}.yaml`, cluster(name, await freePort(), "setup:\n  - sleep 300\n"));
    const child = execa(process.execPath, ["--", BUILT_BIN, "--json", "apply", path], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: "1", ...env() },
      extendEnv: false,
      reject: false,
    });
    let seen = "";
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (/"step":"setup-2"/.test(seen) && /step-started/.test(seen)) resolve();
      });
    });
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expectOnlyEvents(String(result.stdout));
    const types = events(String(result.stdout)).map((e) => e.type);
    expect(types).toContain("interrupted");
    expect(types).toContain("still-running");
    const top = await execa("docker", ["top", `rhx-${name}`], { reject: false });
    expect(String(top.stdout)).not.toContain("sleep 300");
  });
});

describe("CI output", () => {
  it("has no ANSI escape and no carriage return, one line per event with elapsed times", async () => {
    const name = uniqueName("exit-ci");
    names.push(name);
    const path = await file(`${name}.yaml`, cluster(name, await freePort(), "setup:\n  - echo hello\n"));
    const result = await runBuiltCli(["apply", path], { cwd: dir, env: { ...env(), NO_COLOR: "" } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr.includes("\u001b")).toBe(false);
    expect(result.stderr).not.toContain("\r");
    expect(result.stderr).toMatch(/\[exit-ci-[^\]]+\] setup-2: done \(\d+\.\ds\)/);
  });
});
