import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, removeContainers, requireDocker, TEST_IMAGES, uniqueName } from "../helpers/docker-env.ts";
import { ensureBuilt, events, runBuiltCli } from "../helpers/run-cli.ts";

let dir: string;
let stateDir: string;
const names: string[] = [];

beforeAll(async () => {
  await requireDocker([TEST_IMAGES.runhouse]);
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "rhx-json-"));
  stateDir = join(dir, "state");
});

afterAll(async () => {
  for (const name of names) await removeContainers(`rhx-${name}`);
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ RHX_STATE_DIR: stateDir, CI: "true" });

async function writeCluster(name: string, port: number, setup: string[]): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  const lines = setup.map((s) => `  - ${JSON.stringify(s)}`).join("\n");
  await writeFile(
    path,
    `name: ${name}\nprovider: local\nimage_id: docker:${TEST_IMAGES.runhouse}\nsetup:\n${lines}\nserver:\n  port: ${port}\n`,
  );
  return path;
}

/** Timings, names and ports vary per run; the shape of the stream must not. */
function shape(stdout: string, name: string, port: number): string[] {
  return events(stdout).map((e) => {
    const { time: _time, v, type, cluster, durationMs, ...rest } = e;
    const fields = Object.entries(rest)
      .filter(([k]) => !["changes", "clusters", "message", "hint"].includes(k))
      .map(([k, value]) => `${k}=${JSON.stringify(value)}`)
      .join(" ");
    return `v${v} ${type}${cluster ? ` [${cluster}]` : ""}${durationMs === undefined ? "" : " <ms>"} ${fields}`
      .split(name)
      .join("<name>")
      .split(String(port))
      .join("<port>")
      .replace(/\b[0-9a-f]{64}\b/g, "<container-id>")
      .replace(/after \d+ attempts?/, "after <n> attempt(s)")
      .trim();
  });
}

describe("--json event stream", () => {
  it("of a full local apply, then a no-op", async () => {
    const name = uniqueName("json-full");
    names.push(name);
    const port = await freePort();
    const path = await writeCluster(name, port, ["echo one", "echo two"]);
    const first = await runBuiltCli(["--json", "apply", path], { cwd: dir, env: env() });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(shape(first.stdout, name, port)).toMatchInlineSnapshot(`
      [
        "v1 preflight [<name>] id="engine" title="Docker engine" status="pass"",
        "v1 preflight [<name>] id="port" title="port <port>" status="pass"",
        "v1 preflight [<name>] id="registry" title="registry login and image" status="pass"",
        "v1 plan [<name>] action="create" steps="steps: launch → run setup → start the server"",
        "v1 step-started [<name>] step="launch" title="launch rhx-test/runhouse:0.0.36"",
        "v1 step-output [<name>] step="launch" line="<container-id>"",
        "v1 step-finished [<name>] <ms> step="launch"",
        "v1 step-started [<name>] step="setup-1" title="install runhouse 0.0.36"",
        "v1 step-output [<name>] step="setup-1" line="runhouse 0.0.36 is already installed"",
        "v1 step-finished [<name>] <ms> step="setup-1"",
        "v1 step-started [<name>] step="setup-2" title="echo one"",
        "v1 step-output [<name>] step="setup-2" line="one"",
        "v1 step-finished [<name>] <ms> step="setup-2"",
        "v1 step-started [<name>] step="setup-3" title="echo two"",
        "v1 step-output [<name>] step="setup-3" line="two"",
        "v1 step-finished [<name>] <ms> step="setup-3"",
        "v1 step-started [<name>] step="server" title="start the Runhouse server on port <port>"",
        "v1 step-output [<name>] step="server" line="Uvicorn running on http://127.0.0.1:<port>"",
        "v1 step-output [<name>] step="server" line="http://127.0.0.1:<port>/check answered as Runhouse 0.0.36 after <n> attempt(s)"",
        "v1 step-finished [<name>] <ms> step="server"",
        "v1 summary command="apply" ok=true",
      ]
    `);
    const again = await runBuiltCli(["--json", "apply", path], { cwd: dir, env: env() });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(shape(again.stdout, name, port)).toMatchInlineSnapshot(`
      [
        "v1 plan [<name>] action="no-op" steps=""",
        "v1 summary command="apply" ok=true",
      ]
    `);
  });

  it("a stale saved plan is refused and nothing changes", async () => {
    const name = uniqueName("json-stale");
    names.push(name);
    const port = await freePort();
    const path = await writeCluster(name, port, ["echo one"]);
    expect((await runBuiltCli(["apply", path], { cwd: dir, env: env() })).exitCode).toBe(0);
    await writeCluster(name, port, ["echo one", "echo two"]);
    const planFile = join(dir, `${name}.plan`);
    const plan = await runBuiltCli(["plan", "--out", planFile, path], { cwd: dir, env: env() });
    expect(plan.exitCode, plan.stderr).toBe(0);
    // The file moves on after the plan was made: the plan no longer describes it.
    await writeCluster(name, port, ["echo one", "echo three"]);
    const stale = await runBuiltCli(["--json", "apply", planFile], { cwd: dir, env: env() });
    expect(stale.exitCode).toBe(1);
    const error = events(stale.stdout).find((e) => e.type === "error");
    expect(error).toMatchObject({ code: "RHX_PLAN_STALE" });
    expect(String(error?.message)).toContain("its configuration changed since the plan was made");
    expect(events(stale.stdout).some((e) => e.type === "step-started")).toBe(false);
    // A fresh plan of the current file applies.
    await runBuiltCli(["plan", "--out", planFile, path], { cwd: dir, env: env() });
    const fresh = await runBuiltCli(["apply", planFile], { cwd: dir, env: env() });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    // Only the changed third step (after the Runhouse install and `echo one`) runs again.
    expect(fresh.stderr).toContain("setup-3: done");
    expect(fresh.stderr).not.toContain("setup-2:");
  });
});
