import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  docker,
  freePort,
  removeContainers,
  requireDocker,
  TEST_CONTAINER_LABEL,
  TEST_IMAGES,
  uniqueName,
} from "./docker-env.ts";

/**
 * The test images' fake `runhouse` plays one release each and refuses what that release's click CLI
 * refuses (scripts/test-image/runhouse-cli/<version>.txt, extracted from runhouse/main.py).
 */

const IMAGES = {
  "0.0.30": TEST_IMAGES.runhouse030,
  "0.0.36": TEST_IMAGES.runhouse,
  "0.0.42": TEST_IMAGES.runhouse042,
} as const;
type Version = keyof typeof IMAGES;

const runId = uniqueName("rhx-fake-rh");

beforeAll(async () => {
  await requireDocker(Object.values(IMAGES));
});

afterAll(async () => {
  await removeContainers({ label: `${TEST_CONTAINER_LABEL}=${runId}` });
});

/** `sh -c SCRIPT` in a throw-away container of that version, without a network. */
function sh(version: Version, script: string, env: string[] = []) {
  return docker(
    ["run", "--rm", "--net=none", ...env.flatMap((e) => ["-e", e]), IMAGES[version], "sh", "-c", script],
    {
      allowFailure: true,
    },
  );
}

/** Click's usage error, word for word (the helper drops the final newline, as execa does). */
function usageError(usage: string, command: string, message: string): string {
  return `Usage: ${usage}\nTry '${command} --help' for help.\n\nError: ${message}`;
}

describe("the fake runhouse follows each release's command line", () => {
  it.each(Object.keys(IMAGES) as Version[])("%s: --version and -v print the release", async (version) => {
    const out = await sh(version, "runhouse --version; runhouse -v");
    expect(out.stdout).toBe(`${version}\n${version}`);
  });

  it.each(["0.0.36", "0.0.42"] as const)(
    "%s: the command rhx ran before, `runhouse restart --restart-ray --port P`, fails as click fails",
    async (version) => {
      const out = await sh(version, "runhouse restart --restart-ray --port 32300");
      expect(out.exitCode).toBe(2);
      expect(out.stdout).toBe("");
      expect(out.stderr).toBe(
        usageError("runhouse [OPTIONS] COMMAND [ARGS]...", "runhouse", "No such command 'restart'."),
      );
      expect((await sh(version, "runhouse start")).stderr).toContain("Error: No such command 'start'.");
    },
  );

  it("0.0.30: `runhouse server …` does not exist yet", async () => {
    const out = await sh("0.0.30", "runhouse server restart --port 32300");
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toBe(
      usageError("runhouse [OPTIONS] COMMAND [ARGS]...", "runhouse", "No such command 'server'."),
    );
  });

  it("refuses an option the release does not have, and accepts one it has", async () => {
    // --venv arrived in 0.0.42; --use-local-telemetry left `start` in 0.0.32; --help ends a valid parse with 0.
    const refused = await sh("0.0.36", "runhouse server restart --venv /opt/venv");
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe(
      usageError("runhouse server restart [OPTIONS]", "runhouse server restart", "No such option: --venv"),
    );
    expect((await sh("0.0.42", "runhouse server restart --venv /opt/venv --help")).exitCode).toBe(0);
    expect((await sh("0.0.30", "runhouse start --use-local-telemetry --help")).exitCode).toBe(0);
    const cluster = await sh("0.0.42", "runhouse server restart a b");
    expect(cluster.stderr).toBe(
      usageError(
        "runhouse server restart [OPTIONS] [CLUSTER_NAME]",
        "runhouse server restart",
        "Got unexpected extra argument (b)",
      ),
    );
  });

  it("values: a missing one, one given to a flag, and `--opt=value`", async () => {
    const missing = await sh("0.0.42", "runhouse server restart --port");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("Error: Option '--port' requires an argument.");
    const flag = await sh("0.0.30", "runhouse restart --restart-ray=yes");
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain("Error: Option '--restart-ray' does not take a value.");
    expect((await sh("0.0.30", "runhouse restart --port=40000 --no-restart-ray --help")).exitCode).toBe(0);
    const group = await sh("0.0.42", "runhouse server");
    expect(group.stderr).toBe(
      usageError("runhouse server [OPTIONS] COMMAND [ARGS]...", "runhouse server", "Missing command."),
    );
  });

  it.each(Object.keys(IMAGES) as Version[])("%s: every command of the release parses", async (version) => {
    const file = fileURLToPath(
      new URL(`../../scripts/test-image/runhouse-cli/${version}.txt`, import.meta.url),
    );
    const paths = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("command|") || line.startsWith("group|"))
      .map((line) => line.split("|")[1] ?? "");
    expect(paths.length).toBeGreaterThan(8);
    const script = paths.map((p) => `${p} --help >/dev/null || echo "FAILED: ${p}"`).join("\n");
    const out = await sh(version, script);
    expect(out.stdout).toBe("");
  });
});

describe("the fake server per release", () => {
  it.each([
    ["0.0.30", "runhouse restart"],
    ["0.0.36", "runhouse server restart"],
    ["0.0.42", "runhouse server restart"],
  ] as const)("%s: `%s --restart-ray --port P` serves its rh_version", async (version, command) => {
    const port = await freePort();
    const name = `${runId}-${version.replace(/\./g, "")}`;
    await docker([
      "run",
      "--detach",
      "--net=host",
      "--name",
      name,
      "--label",
      `${TEST_CONTAINER_LABEL}=${runId}`,
      IMAGES[version],
      "sleep",
      "300",
    ]);
    const started = await docker(["exec", name, "sh", "-c", `${command} --restart-ray --port ${port}`]);
    expect(started.stdout).toContain(`Uvicorn running on http://127.0.0.1:${port}`);
    const check = await fetch(`http://127.0.0.1:${port}/check`);
    expect(await check.json()).toEqual({ rh_version: version });
    await removeContainers(name);
  });

  it("RHX_FAKE_RUNHOUSE_CHECK=ray-not-initialized: /check answers 200 with the real exception body", async () => {
    const port = await freePort();
    const name = `${runId}-ray`;
    await docker([
      "run",
      "--detach",
      "--net=host",
      "--name",
      name,
      "--label",
      `${TEST_CONTAINER_LABEL}=${runId}`,
      IMAGES["0.0.36"],
      "sleep",
      "300",
    ]);
    await docker([
      "exec",
      "-e",
      "RHX_FAKE_RUNHOUSE_CHECK=ray-not-initialized",
      name,
      "sh",
      "-c",
      `runhouse server restart --port ${port}`,
    ]);
    const check = await fetch(`http://127.0.0.1:${port}/check`);
    expect(check.status).toBe(200);
    const body = (await check.json()) as { output_type: string; data: { traceback: string } };
    expect(body.output_type).toBe("exception");
    expect(body.data.traceback).toMatch(/\nException: Ray is not initialized, restart the server\.\n$/);
    await removeContainers(name);
  });
});
