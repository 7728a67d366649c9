import { describe, expect, it } from "vitest";
import { probedVersion, serverStartError } from "../../src/runhouse/start-failure.ts";

const spec = (version: string, install: boolean, command?: string) => ({
  runhouse: { version, install },
  server: { port: 32300, den_auth: false, health_path: "/check", health_timeout_secs: 120, command },
});
const CLICK = [
  "Usage: runhouse [OPTIONS] COMMAND [ARGS]...",
  "Try 'runhouse --help' for help.",
  "",
  "Error: No such command 'restart'.",
];

describe("serverStartError", () => {
  it("install: false and another version in the image: names both and what to change", () => {
    const error = serverStartError(spec("0.0.30", false), 2, CLICK, "0.0.36");
    expect(error.code).toBe("RHX_SERVER_START_FAILED");
    expect(error.message).toContain("exited with code 2.\n    Usage: runhouse");
    expect(error.message).toContain("Error: No such command 'restart'.");
    expect(error.message).toMatch(
      /\nThe container's Runhouse is 0\.0\.36, but runhouse\.version is 0\.0\.30\.$/,
    );
    expect(error.hint).toBe(
      'Set runhouse.version: "0.0.36" to match the image, or runhouse.install: true to install 0.0.30.',
    );
  });

  it("install: true and still another version: the install did not take", () => {
    const error = serverStartError(spec("0.0.30", true), 2, CLICK, "0.0.36");
    expect(error.hint).toContain("Installing 0.0.30 did not replace 0.0.36");
  });

  it("the configured version, no answer, or a custom command: no version story", () => {
    expect(serverStartError(spec("0.0.36", false), 1, [], "0.0.36").message).toBe(
      "The server start command exited with code 1.",
    );
    expect(serverStartError(spec("0.0.36", false), 127, [], undefined).hint).toContain(
      "has Python and Runhouse",
    );
    expect(serverStartError(spec("0.0.36", false, "my-server"), 1, [], "0.0.30").hint).toBe(
      "Check `server.command`.",
    );
  });

  it("reads a version from `runhouse --version` output, nothing else", () => {
    expect(probedVersion(["0.0.36"])).toBe("0.0.36");
    expect(probedVersion(["warning: x", "0.0.42", ""])).toBe("0.0.42");
    expect(probedVersion(["sh: runhouse: not found"])).toBeUndefined();
    expect(probedVersion([])).toBeUndefined();
  });
});
