import { describe, expect, it } from "vitest";
import { judgeHealth, versionMismatchError } from "../../src/runhouse/health.ts";

/** check_server's answer when Ray is not initialized (http_server.py, every tag 0.0.30–0.0.42). */
const RAY_NOT_INITIALIZED = JSON.stringify({
  data: {
    error: "gASVTAAAAAAAAACMCGJ1aWx0aW5zlIwJRXhjZXB0aW9ulJOU\n",
    traceback:
      'Traceback (most recent call last):\n  File "http_server.py", line 830, in check_server\n    raise Exception("Ray is not initialized, restart the server.")\nException: Ray is not initialized, restart the server.\n',
  },
  output_type: "exception",
  serialization: "pickle",
});

describe("judgeHealth: 2xx and the configured rh_version", () => {
  it("is healthy with the configured version", () => {
    expect(judgeHealth(200, '{"rh_version": "0.0.36"}', "0.0.36")).toEqual({
      healthy: true,
      version: "0.0.36",
    });
  });

  it("a 200 with an exception body is not healthy, and says which exception", () => {
    expect(judgeHealth(200, RAY_NOT_INITIALIZED, "0.0.36")).toEqual({
      healthy: false,
      detail: "HTTP 200 with an exception: Exception: Ray is not initialized, restart the server.",
    });
  });

  it("another version is a mismatch naming what answered", () => {
    expect(judgeHealth(200, '{"rh_version": "0.0.42"}', "0.0.36")).toEqual({
      healthy: false,
      mismatch: "0.0.42",
      detail: "HTTP 200 from Runhouse 0.0.42",
    });
  });

  it.each([
    [503, '{"rh_version": "0.0.36"}', "HTTP 503"],
    [200, "<html>ok</html>", "HTTP 200 but not Runhouse's JSON: <html>ok</html>"],
    [200, "", "HTTP 200 but not Runhouse's JSON: (empty)"],
    [200, '{"status": "ok"}', 'HTTP 200 without "rh_version": {"status": "ok"}'],
    [200, '{"rh_version": 36}', 'HTTP 200 without "rh_version": {"rh_version": 36}'],
    [204, "[]", 'HTTP 204 without "rh_version": []'],
  ])("HTTP %s %j is not healthy: %s", (status, body, detail) => {
    expect(judgeHealth(status, body, "0.0.36")).toEqual({ healthy: false, detail });
  });
});

describe("versionMismatchError", () => {
  it("with install: false, the image's version and what to change", () => {
    const error = versionMismatchError(
      { name: "web", runhouse: { version: "0.0.37", install: false } },
      "http://127.0.0.1:32300/check",
      "0.0.36",
    );
    expect(error.code).toBe("RHX_SERVER_VERSION_MISMATCH");
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(
      "The Runhouse server on web answers http://127.0.0.1:32300/check as version 0.0.36, but runhouse.version is 0.0.37; with runhouse.install: false the image's own Runhouse runs, and it is 0.0.36.",
    );
    expect(error.hint).toBe(
      'Set runhouse.version: "0.0.36" to match the image, or runhouse.install: true to install 0.0.37.',
    );
  });

  it("with install: true, another runhouse is answering", () => {
    const error = versionMismatchError(
      { name: "web", runhouse: { version: "0.0.37", install: true } },
      "http://127.0.0.1:32300/check",
      "0.0.36",
    );
    expect(error.message).toContain(
      "as version 0.0.36, but runhouse.version is 0.0.37, which rhx installed.",
    );
    expect(error.hint).toContain("rhx ssh web -- runhouse --version");
  });
});
