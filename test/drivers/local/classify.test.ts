import { describe, expect, it } from "vitest";
import {
  classifyDockerError,
  daemonReason,
  loginError,
  pullError,
} from "../../../src/drivers/local/classify.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { credentials } from "./support.ts";

const redactor = new Redactor();

// Texts as Docker 28 (client) / 20.10 (engine) and the distribution registry print them (captured on
// the test machine), plus the cloud registries' own wording of the same failures.
const TEXTS = {
  loginRejected:
    "Error response from daemon: login attempt to http://127.0.0.1:5055/v2/ failed with status: 401 Unauthorized",
  hubRejected:
    'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password',
  noCredentials:
    'Error response from daemon: Head "http://127.0.0.1:5055/v2/rhx/runhouse/manifests/0.0.36": no basic auth credentials',
  hubDenied:
    "Error response from daemon: pull access denied for me/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  ecrExpired:
    "Error response from daemon: pull access denied ... Your authorization token has expired. Reauthenticate and try again.",
  missingTag:
    "Error response from daemon: manifest for 127.0.0.1:5055/rhx/runhouse:nope not found: manifest unknown: manifest unknown",
  refused:
    'Error response from daemon: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
  noDaemon:
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
  noPermission:
    "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
};

describe("classifyDockerError", () => {
  it.each([
    ["loginRejected", "login-rejected"],
    ["hubRejected", "login-rejected"],
    ["noCredentials", "pull-denied"],
    ["hubDenied", "pull-denied"],
    ["ecrExpired", "pull-denied"],
    ["missingTag", "image-not-found"],
    ["refused", "registry-unreachable"],
    ["noDaemon", "engine-unreachable"],
    ["noPermission", "engine-permission"],
  ] as const)("%s -> %s", (text, kind) => {
    expect(classifyDockerError(TEXTS[text])).toBe(kind);
  });

  it("calls anything else other", () => {
    expect(classifyDockerError("something odd happened")).toBe("other");
  });
});

describe("messages", () => {
  const creds = credentials("alice", "pw-value-123", "registry.example.com");

  it("strips docker's prefix and keeps the daemon's reason", () => {
    expect(daemonReason(`\nWARNING! something\n${TEXTS.missingTag}\n`)).toBe(
      "manifest for 127.0.0.1:5055/rhx/runhouse:nope not found: manifest unknown: manifest unknown",
    );
  });

  it("says which server rejected the password and which variables to fix", () => {
    const error = loginError(TEXTS.loginRejected, creds, redactor);
    expect(error.code).toBe("RHX_LAUNCH_LOGIN_REJECTED");
    expect(error.message).toBe(
      'Docker login failed: the password was rejected by registry.example.com for user "alice".',
    );
    expect(error.hint).toContain("SKYPILOT_DOCKER_PASSWORD");
    expect(loginError(TEXTS.loginRejected, { ...creds, source: "config" }, redactor).hint).toContain(
      "docker.password",
    );
  });

  it("turns the other pull failures into their codes", () => {
    expect(pullError(TEXTS.missingTag, "x:1", creds, redactor).code).toBe("RHX_LAUNCH_IMAGE_NOT_FOUND");
    expect(pullError(TEXTS.noCredentials, "x:1", undefined, redactor).code).toBe("RHX_LAUNCH_PULL_DENIED");
    expect(pullError(TEXTS.noDaemon, "x:1", creds, redactor).code).toBe("RHX_ENGINE_UNREACHABLE");
    const other = pullError("error: disk full\nmore context", "x:1", creds, redactor);
    expect(other.code).toBe("RHX_LAUNCH_FAILED");
    expect(other.message).toBe("Pulling x:1 failed:\n  error: disk full\n  more context");
  });
});
