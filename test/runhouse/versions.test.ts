import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { installCommand, serverStartCommand } from "../../src/runhouse/commands.ts";
import {
  HEALTH,
  parseVersion,
  pipRequirement,
  RESTART_OPTIONS,
  RUNHOUSE_ERAS,
  runhouseRelease,
  serverCommand,
} from "../../src/runhouse/versions.ts";

/** The command line of every tagged release, extracted from runhouse/main.py (see the extractor). */
const CLI_DIR = fileURLToPath(new URL("../../scripts/test-image/runhouse-cli/", import.meta.url));
const RELEASES = readdirSync(CLI_DIR)
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.replace(/\.txt$/, ""));

/** command path → its options (a trailing `=` marks an option that takes a value). */
function commandLine(version: string): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  for (const line of readFileSync(`${CLI_DIR}${version}.txt`, "utf8").split("\n")) {
    const [kind, path, options] = line.split("|");
    if (kind === "command" && path) commands.set(path, (options ?? "").split(" ").filter(Boolean));
  }
  return commands;
}

const spec = (
  version: string,
  server: Partial<{ port: number; den_auth: boolean; command: string }> = {},
) => ({
  runhouse: { version, install: true },
  server: { port: 32300, den_auth: false, health_path: "/check", health_timeout_secs: 120, ...server },
});

describe("the Runhouse eras", () => {
  it("cover every tagged release 0.0.30–0.0.42, with nothing extracted left out", () => {
    expect(RELEASES).toHaveLength(13);
    for (const version of RELEASES) expect(runhouseRelease(version).known, version).toBe(true);
    expect(RUNHOUSE_ERAS.map((e) => `${e.from}-${e.to}`)).toEqual([
      "0.0.30-0.0.35",
      "0.0.36-0.0.38",
      "0.0.39-0.0.42",
    ]);
  });

  it.each([
    ["0.0.30", "runhouse restart", "runhouse==0.0.30"],
    ["0.0.35", "runhouse restart", "runhouse==0.0.35"],
    ["0.0.36", "runhouse server restart", "runhouse==0.0.36"],
    ["0.0.38", "runhouse server restart", "runhouse==0.0.38"],
    ["0.0.39", "runhouse server restart", "runhouse[server]==0.0.39"],
    ["0.0.42", "runhouse server restart", "runhouse[server]==0.0.42"],
  ])("%s: %s, pip install %s", (version, restart, requirement) => {
    expect(serverCommand(version, "restart")).toBe(restart);
    expect(pipRequirement(version)).toBe(requirement);
  });

  // Each row checked against what that release's click CLI really has, release by release.
  it.each(RELEASES)("%s: every server command and every option rhx passes exists in its CLI", (version) => {
    const cli = commandLine(version);
    for (const action of ["start", "restart", "stop", "status"] as const) {
      expect(cli.has(serverCommand(version, action)), `${serverCommand(version, action)} in ${version}`).toBe(
        true,
      );
    }
    const other = serverCommand(version, "restart").startsWith("runhouse server")
      ? "runhouse restart"
      : "runhouse server restart";
    expect(cli.has(other), `${other} must not exist in ${version}`).toBe(false);
    for (const action of ["start", "restart"] as const) {
      const options = cli.get(serverCommand(version, action)) ?? [];
      expect(options).toContain(RESTART_OPTIONS.restartRay);
      expect(options).toContain(RESTART_OPTIONS.denAuth);
      expect(options).toContain(`${RESTART_OPTIONS.port}=`);
    }
  });

  it("the restart command: the era's spelling, the port, den auth; server.command replaces it", () => {
    expect(serverStartCommand(spec("0.0.30"))).toBe("runhouse restart --restart-ray --port 32300");
    expect(serverStartCommand(spec("0.0.36", { port: 40000, den_auth: true }))).toBe(
      "runhouse server restart --restart-ray --port 40000 --use-den-auth",
    );
    expect(serverStartCommand(spec("0.0.42"))).toBe("runhouse server restart --restart-ray --port 32300");
    expect(serverStartCommand(spec("0.0.42", { command: "my-server --port 1" }))).toBe("my-server --port 1");
  });

  it("the install command: the [server] extra only from 0.0.39, skipped when the version is there", () => {
    expect(installCommand("0.0.36")).toContain("python3 -m pip install --quiet runhouse==0.0.36;");
    expect(installCommand("0.0.39")).toContain("python3 -m pip install --quiet 'runhouse[server]==0.0.39';");
    expect(installCommand("0.0.42")).toMatch(
      /^if runhouse --version 2>\/dev\/null \| grep -qx 0\.0\.42; then/,
    );
  });

  it("the health endpoint is /check and names its version rh_version", () => {
    expect(HEALTH).toEqual({ path: "/check", versionKey: "rh_version" });
  });
});

describe("versions outside the known range get the nearest era", () => {
  it.each([
    // Before docker support (0.0.30): the oldest era, the first CLI's top-level commands.
    ["0.0.28", "runhouse restart", "runhouse==0.0.28"],
    // After the last tag (HEAD is 0.0.43, untagged, same CLI): the newest era.
    ["0.0.43", "runhouse server restart", "runhouse[server]==0.0.43"],
    ["0.1.0", "runhouse server restart", "runhouse[server]==0.1.0"],
    // Not a version at all: treated like anything newer than the last tag.
    ["latest", "runhouse server restart", "runhouse[server]==latest"],
  ])("%s → %s", (version, restart, requirement) => {
    expect(runhouseRelease(version).known).toBe(false);
    expect(serverCommand(version, "restart")).toBe(restart);
    expect(pipRequirement(version)).toBe(requirement);
  });

  it("reads the numeric prefix of a version", () => {
    expect(parseVersion("0.0.36")).toEqual([0, 0, 36]);
    expect(parseVersion("v0.0.39")).toEqual([0, 0, 39]);
    expect(parseVersion("0.0.36rc1")).toEqual([0, 0, 36]);
    expect(parseVersion("1.2")).toEqual([1, 2, 0]);
    expect(parseVersion("main")).toBeUndefined();
    expect(runhouseRelease("0.0.36rc1")).toMatchObject({ known: true, era: { from: "0.0.36" } });
  });
});
