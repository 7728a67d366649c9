import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import { clusterYaml, containerId, makeProject, type Project } from "./support.ts";

const BIN = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const OTHER_IMAGE = TEST_IMAGES.runhouseEntrypoint;

/**
 * On a terminal a replace waits for a person's answer. util-linux `script` gives the session a real
 * pseudo-terminal; what the test writes to script's stdin is what a person types.
 */
describe("rhx apply --watch on a terminal", { timeout: 180_000 }, () => {
  let project: Project | undefined;
  beforeAll(() => requireDocker([TEST_IMAGES.runhouse, OTHER_IMAGE]));
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it("asks before a replace: no leaves the cluster alone, yes replaces it; Ctrl-C exits 130", async () => {
    project = await makeProject(await freePort());
    const p = project;
    await p.write(clusterYaml(p, { setup: ["echo one > /tmp/mark"] }));
    const { CI: _ci, ...env } = process.env;
    const command = [process.execPath, "--import", TSX, BIN, "apply", "--watch"]
      .map((a) => `'${a}'`)
      .join(" ");
    // A pty starts with no size; give it a real terminal's, so nothing is cut to fit.
    const child = spawn("script", ["-q", "-e", "-c", `stty cols 200 rows 50; exec ${command}`, "/dev/null"], {
      cwd: p.dir,
      env: { ...env, RHX_STATE_DIR: p.stateDir, TERM: "xterm", NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const count = (text: string) => screen.split(text).length - 1;
    const until = async (text: string, times = 1, timeoutMs = 90_000) => {
      const deadline = Date.now() + timeoutMs;
      while (count(text) < times) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`never saw ${JSON.stringify(text)} x${times}:\n${screen.slice(-4000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await until("last: applied");
      const id = await containerId(p.name);
      const replaced = clusterYaml(p, { setup: ["echo one > /tmp/mark"], image: OTHER_IMAGE });
      await p.write(replaced);
      await until(`Replace ${p.name} now? [y/N]`);
      child.stdin.write("n\n");
      await until("declined (save again to be asked again)");
      expect(await containerId(p.name)).toBe(id);

      await p.write(`${replaced}\n# save again\n`);
      await until(`Replace ${p.name} now? [y/N]`, 2);
      child.stdin.write("y\n");
      await until("last: applied", 2);
      const now = await containerId(p.name);
      expect(now).not.toBe("");
      expect(now).not.toBe(id);

      child.stdin.write("\x03");
      expect(await exited).toBe(130);
      expect(screen).toContain(`To tear it down: rhx down ${p.name}`);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
