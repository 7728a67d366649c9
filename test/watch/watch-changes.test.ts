import { writeFile } from "node:fs/promises";
import { join } from "node:path";
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

/** Real files, real chokidar, the real engine: what a person sees when they save in an editor. */
describe("rhx apply --watch: cheap changes apply at once", { timeout: 150_000 }, () => {
  let project: Project | undefined;
  let watch: WatchRun | undefined;
  beforeAll(() => requireDocker([TEST_IMAGES.runhouse]));
  afterEach(async () => {
    await watch?.stop();
    await project?.cleanup();
    watch = undefined;
    project = undefined;
  });

  async function started(setup: string[], extra?: { env?: Record<string, string>; extra?: string }) {
    project = await makeProject(await freePort());
    await project.write(clusterYaml(project, { setup, ...extra }));
    watch = startWatch({ cwd: project.dir, stateDir: project.stateDir });
    const first = await watch.nextApply(0, 90_000);
    expect(first.result).toBe("applied");
    return { project, watch, id: await containerId(project.name) };
  }

  it("a setup edit re-runs only the changed setup step in the same container, and it takes effect", async () => {
    const { project, watch, id } = await started(["echo keep > /tmp/keep", "echo one > /tmp/mark"]);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("one");
    const from = watch.events.length;
    await project.write(clusterYaml(project, { setup: ["echo keep > /tmp/keep", "echo two > /tmp/mark"] }));
    const applied = await watch.nextApply(from);
    expect(applied.result).toBe("applied");
    // setup-1 is the Runhouse install, setup-2 the unchanged first line: neither runs again.
    expect(stepsBetween(watch.events, from)).toEqual(["setup-3", "server"]);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("two");
    expect(await containerId(project.name)).toBe(id);
    const change = watch.events.slice(from).find((e) => e.type === "change-detected");
    expect(change?.paths).toEqual(["cluster.yaml"]);
  });

  it("a server edit restarts the server only", async () => {
    const { project, watch, id } = await started(["echo one > /tmp/mark"], {
      extra: "  health_timeout_secs: 30",
    });
    const from = watch.events.length;
    await project.write(
      clusterYaml(project, { setup: ["echo one > /tmp/mark"], extra: "  health_timeout_secs: 31" }),
    );
    expect((await watch.nextApply(from)).result).toBe("applied");
    expect(stepsBetween(watch.events, from)).toEqual(["server"]);
    expect(await containerId(project.name)).toBe(id);
    const health = await fetch(`http://127.0.0.1:${project.port}/check`);
    expect(health.ok).toBe(true);
  });

  it("50 saves within one second give one apply (at most two), of the last content", async () => {
    const { project, watch } = await started(["echo start > /tmp/mark"]);
    const from = watch.events.length;
    for (let i = 0; i < 50; i++) {
      await project.write(clusterYaml(project, { setup: [`echo burst-${i} > /tmp/mark`] }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await watch.nextApply(from);
    // Anything still queued would start within the debounce; give it well over that.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await watch.waitFor((e) => e.type === "apply-finished", {
      from: watch.events.map((e) => e.type).lastIndexOf("apply-started"),
    });
    const applies = watch.events.slice(from).filter((e) => e.type === "apply-started");
    expect(applies.length).toBeGreaterThanOrEqual(1);
    expect(applies.length).toBeLessThanOrEqual(2);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("burst-49");
  });

  it("an .env edit re-applies what uses the variable", async () => {
    project = await makeProject(await freePort());
    await writeFile(join(project.dir, ".env"), "MARK=one\n");
    await project.write(
      clusterYaml(project, { setup: ['echo "$MARK" > /tmp/mark'], env: { MARK: "${MARK}" } }),
    );
    watch = startWatch({ cwd: project.dir, stateDir: project.stateDir });
    expect((await watch.nextApply(0, 90_000)).result).toBe("applied");
    const id = await containerId(project.name);
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("one");
    const from = watch.events.length;
    await writeFile(join(project.dir, ".env"), "MARK=two\n");
    expect((await watch.nextApply(from)).result).toBe("applied");
    expect(watch.events.slice(from).find((e) => e.type === "change-detected")?.paths).toEqual([".env"]);
    expect(stepsBetween(watch.events, from)).not.toContain("launch");
    expect(await inContainer(project.name, "cat /tmp/mark")).toBe("two");
    expect(await containerId(project.name)).toBe(id);
  });
});
