import { access } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, requireDocker, TEST_IMAGES } from "../helpers/docker-env.ts";
import {
  clusterYaml,
  containerId,
  inContainer,
  makeProject,
  type Project,
  startWatch,
  stepsBetween,
  type WatchRun,
} from "./support.ts";

const OTHER_IMAGE = TEST_IMAGES.runhouseEntrypoint;

const serverCommand = (project: Pick<Project, "port">) =>
  `  command: runhouse server restart --port ${project.port}`;

/** Processes inside the container that are still running `sleep 30` (a setup command). */
const sleepers = (name: string) => inContainer(name, "ps -o pid,args | grep '[s]leep 30' || true");

/** The step is reported as started before `docker exec` has the command running: wait for it. */
async function sleeperRunning(name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await sleepers(name)) === "") {
    if (Date.now() > deadline) throw new Error("`sleep 30` never showed up in the container");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("rhx apply --watch: errors, costly changes, cancels and Ctrl-C", { timeout: 150_000 }, () => {
  let project: Project | undefined;
  let watch: WatchRun | undefined;
  beforeAll(() => requireDocker([TEST_IMAGES.runhouse, OTHER_IMAGE]));
  afterEach(async () => {
    await watch?.stop();
    await project?.cleanup();
    watch = undefined;
    project = undefined;
  });

  async function started(setup: string[], args: string[] = [], explicitServer = false) {
    project = await makeProject(await freePort());
    await project.write(
      clusterYaml(project, { setup, ...(explicitServer ? { extra: serverCommand(project) } : {}) }),
    );
    watch = startWatch({ cwd: project.dir, stateDir: project.stateDir, args });
    return { project, watch };
  }

  it("an invalid save keeps the watcher alive and the last good config; the next valid save applies", async () => {
    const { project, watch } = await started(["echo one > /tmp/mark"]);
    expect((await watch.nextApply(0, 90_000)).result).toBe("applied");
    const from = watch.events.length;
    await project.write(`${clusterYaml(project, { setup: ["echo two > /tmp/mark"] })}\nnum_nodes: [oops\n`);
    const invalid = await watch.waitFor((e) => e.type === "config-invalid", { from });
    expect(invalid).toMatchObject({ lastGood: true });
    const diagnostic = await watch.waitFor((e) => e.type === "diagnostic", { from });
    expect(diagnostic).toMatchObject({ severity: "error", location: { file: "cluster.yaml" } });
    expect((diagnostic.location as { line: number }).line).toBeGreaterThan(1);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("one");
    const fixed = watch.events.length;
    await project.write(clusterYaml(project, { setup: ["echo three > /tmp/mark"] }));
    expect((await watch.nextApply(fixed)).result).toBe("applied");
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("three");
    expect(watch.child.exitCode).toBeNull();
  });

  it("an invalid save during an apply does not stop it: it finishes, the errors are shown, watching goes on", async () => {
    // The server command is spelled out: what is tested here is the watch loop, not the default start.
    const { project, watch } = await started(
      ["echo one > /tmp/mark", "sleep 6", "echo done > /tmp/done"],
      [],
      true,
    );
    await watch.waitFor((e) => e.type === "step-started" && e.title === "sleep 6", { timeoutMs: 90_000 });
    const from = watch.events.length;
    await project.write(`${clusterYaml(project, { setup: ["echo two > /tmp/mark"] })}\nnum_nodes: [oops\n`);
    expect(await watch.waitFor((e) => e.type === "config-invalid", { from })).toMatchObject({
      lastGood: true,
    });
    expect(await watch.waitFor((e) => e.type === "diagnostic", { from })).toMatchObject({
      severity: "error",
    });
    // The apply that was running is the last good config's, and it runs to its end.
    const finished = await watch.nextApply(0, 90_000);
    expect(finished.result).toBe("applied");
    expect(await inContainer(project.name, "cat /tmp/done")).toBe("done");
    expect((await fetch(`http://127.0.0.1:${project.port}/check`)).ok).toBe(true);
    // Nothing else is applied for the invalid file, and the session lives on.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(watch.events.filter((e) => e.type === "apply-started")).toHaveLength(1);
    expect(watch.child.exitCode).toBeNull();
    const fixed = watch.events.length;
    await project.write(
      clusterYaml(project, { setup: ["echo three > /tmp/mark"], extra: serverCommand(project) }),
    );
    expect((await watch.nextApply(fixed)).result).toBe("applied");
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("three");
  });

  it("a valid save cancels the apply; if the file is invalid by the time it is reloaded, that save is still applied", async () => {
    const { project, watch } = await started(["echo one > /tmp/mark", "sleep 30"], [], true);
    await watch.waitFor((e) => e.type === "step-started" && e.title === "sleep 30", { timeoutMs: 90_000 });
    await sleeperRunning(project.name);
    const from = watch.events.length;
    const valid = clusterYaml(project, { setup: ["echo valid > /tmp/mark"], extra: serverCommand(project) });
    await project.write(valid);
    // Once that save is seen (and checked), break the file before the cancelled apply is done.
    await watch.waitFor((e) => e.type === "change-detected", { from });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await project.write(`${valid}\nnum_nodes: [oops\n`);
    const cancelled = await watch.nextApply(from);
    expect(cancelled.result).toBe("cancelled");
    const next = await watch.nextApply(watch.events.indexOf(cancelled) + 1, 60_000);
    expect(next.result).toBe("applied");
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("valid");
    expect(await sleepers(project.name)).toBe("");
  });

  it("an image change without --allow-replace is reported and not applied (non-TTY)", async () => {
    const { project, watch } = await started(["echo one > /tmp/mark"]);
    expect((await watch.nextApply(0, 90_000)).result).toBe("applied");
    const id = await containerId(project.name);
    const from = watch.events.length;
    await project.write(clusterYaml(project, { setup: ["echo one > /tmp/mark"], image: OTHER_IMAGE }));
    const finished = await watch.nextApply(from);
    expect(finished.result).toBe("skipped");
    const skipped = watch.events.slice(from).find((e) => e.type === "replace-skipped");
    expect(skipped).toMatchObject({ cluster: project.name, action: "replace" });
    expect(String(skipped?.reason)).toContain("image_id");
    expect(String(skipped?.reason)).toContain("--allow-replace");
    expect(stepsBetween(watch.events, from)).toEqual([]);
    expect(await containerId(project.name)).toBe(id);
  });

  it("an image change with --allow-replace replaces the cluster", async () => {
    const { project, watch } = await started(["echo one > /tmp/mark"], ["--allow-replace"]);
    expect((await watch.nextApply(0, 90_000)).result).toBe("applied");
    const id = await containerId(project.name);
    const from = watch.events.length;
    await project.write(clusterYaml(project, { setup: ["echo one > /tmp/mark"], image: OTHER_IMAGE }));
    expect((await watch.nextApply(from, 90_000)).result).toBe("applied");
    expect(stepsBetween(watch.events, from).slice(0, 2)).toEqual(["teardown", "launch"]);
    const replaced = await containerId(project.name);
    expect(replaced).not.toBe("");
    expect(replaced).not.toBe(id);
    const { stdout } = await execa("docker", ["inspect", "--format", "{{.Config.Image}}", replaced]);
    expect(stdout.trim()).toBe(OTHER_IMAGE);
  });

  it("a save during a long setup command cancels it and applies the newest file", async () => {
    const { project, watch } = await started(["echo before > /tmp/mark", "sleep 30"]);
    await watch.waitFor((e) => e.type === "step-started" && e.title === "sleep 30", { timeoutMs: 90_000 });
    await sleeperRunning(project.name);
    const from = watch.events.length;
    const saved = Date.now();
    await project.write(
      clusterYaml(project, { setup: ["echo before > /tmp/mark", "echo newest > /tmp/mark"] }),
    );
    const cancelled = await watch.nextApply(from);
    expect(cancelled.result).toBe("cancelled");
    expect(watch.events.slice(from).find((e) => e.type === "step-failed")).toMatchObject({
      code: "RHX_CANCELLED",
    });
    const next = await watch.nextApply(watch.events.indexOf(cancelled) + 1);
    expect(next.result).toBe("applied");
    expect(Date.now() - saved).toBeLessThan(25_000);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("newest");
    expect(await sleepers(project.name)).toBe("");
  });

  it("SIGINT during an apply exits 130, kills the running command, releases the lock, keeps the cluster", async () => {
    const { project, watch } = await started(["sleep 30"]);
    await watch.waitFor((e) => e.type === "step-started" && e.title === "sleep 30", { timeoutMs: 90_000 });
    await sleeperRunning(project.name);
    watch.child.kill("SIGINT");
    const exit = await watch.exited;
    expect(exit.code).toBe(130);
    expect(watch.events.at(-1)).toMatchObject({
      type: "watch-stopped",
      running: [{ cluster: project.name, teardown: `rhx down ${project.name}` }],
    });
    expect(await sleepers(project.name)).toBe("");
    await expect(access(join(project.stateDir, "locks", `${project.name}.lock`))).rejects.toThrow();
    // No docker client of this run is left: every `docker exec` it started has exited with it.
    const { stdout } = await execa("ps", ["-eo", "args"]);
    expect(stdout.split("\n").filter((line) => line.includes(`rhx-${project.name}`))).toEqual([]);
    // The launch had finished: the cluster stays up, as it does on every exit from watch mode.
    expect(await containerId(project.name)).not.toBe("");
  });

  it("a second SIGINT exits at once", async () => {
    const { watch } = await started(["sleep 30"]);
    await watch.waitFor((e) => e.type === "step-started" && e.title === "sleep 30", { timeoutMs: 90_000 });
    const sent = Date.now();
    watch.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 50));
    watch.child.kill("SIGINT");
    expect((await watch.exited).code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(2_000);
  });
});
