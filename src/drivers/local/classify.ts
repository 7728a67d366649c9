/**
 * Turns what the docker CLI prints on failure into one stable code and one sentence that says what to
 * fix. The patterns are the daemon's own texts (checked against Docker 20.10–28 and the distribution
 * registry), matched case-insensitively and in order: the most specific first.
 */
import type { DockerCredentials } from "../../config/cluster.ts";
import type { ErrorCode } from "../../errors/codes.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import { describeFailure } from "../exec.ts";

export type DockerFailure =
  | "engine-unreachable"
  | "engine-permission"
  | "registry-unreachable"
  | "login-rejected"
  | "pull-denied"
  | "image-not-found"
  | "other";

const RULES: ReadonlyArray<[DockerFailure, RegExp]> = [
  ["engine-permission", /permission denied while trying to connect to the docker daemon/i],
  [
    "engine-unreachable",
    /cannot connect to the docker daemon|is the docker daemon running|error during connect/i,
  ],
  [
    "registry-unreachable",
    /connection refused|no such host|i\/o timeout|network is unreachable|server misbehaving|tls handshake timeout|context deadline exceeded/i,
  ],
  ["image-not-found", /manifest unknown|manifest for .* not found|name unknown|not found: manifest/i],
  [
    "login-rejected",
    /login attempt to .* failed|incorrect username or password|401 unauthorized|authentication required/i,
  ],
  [
    "pull-denied",
    /no basic auth credentials|pull access denied|denied|unauthorized|forbidden|token has expired/i,
  ],
];

export function classifyDockerError(stderr: string): DockerFailure {
  for (const [kind, pattern] of RULES) if (pattern.test(stderr)) return kind;
  return "other";
}

/** The daemon's own sentence, without docker's "Error response from daemon:" prefix: the useful part. */
export function daemonReason(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter(
      (line) => line !== "" && !/^(WARNING|Run 'docker|See 'docker|Configure a credential|https:)/.test(line),
    );
  const last = lines.findLast((line) => /error|denied|unauthorized|not found|unknown|refused/i.test(line));
  return (last ?? lines.at(-1) ?? "no error text").replace(/^(docker: )?Error response from daemon: /, "");
}

// Every launch failure is "a step failed" (exit 1, README "Exit codes"); the code says which.
const failWith = (redactor: Redactor) => (code: ErrorCode, message: string, hint?: string) =>
  new RhxError({
    code,
    message: redactor.redact(message),
    hint: hint === undefined ? undefined : redactor.redact(hint),
    exitCode: ExitCode.StepFailed,
  });

export function engineUnreachable(stderr: string, redactor: Redactor): RhxError {
  const fail = failWith(redactor);
  if (classifyDockerError(stderr) === "engine-permission") {
    return fail(
      "RHX_ENGINE_UNREACHABLE",
      "This user may not talk to the Docker engine (permission denied on its socket).",
      "Add the user to the docker group (then log in again), or run rhx as a user that may use Docker.",
    );
  }
  return fail(
    "RHX_ENGINE_UNREACHABLE",
    `The Docker engine is not reachable: ${daemonReason(stderr)}`,
    "Start the engine (dockerd, or Docker Desktop) and check DOCKER_HOST / `docker context`; `docker info` must answer.",
  );
}

function credentialNames(credentials: DockerCredentials | undefined): string {
  if (credentials?.source === "config") return "docker.username / docker.password in the cluster file";
  return "SKYPILOT_DOCKER_USERNAME / SKYPILOT_DOCKER_PASSWORD";
}

export function loginError(stderr: string, credentials: DockerCredentials, redactor: Redactor): RhxError {
  const fail = failWith(redactor);
  const kind = classifyDockerError(stderr);
  const server = credentials.server;
  if (kind === "engine-unreachable" || kind === "engine-permission")
    return engineUnreachable(stderr, redactor);
  if (kind === "registry-unreachable") {
    return fail(
      "RHX_LAUNCH_REGISTRY_UNREACHABLE",
      `The registry ${server} could not be reached: ${daemonReason(stderr)}`,
      "Check SKYPILOT_DOCKER_SERVER (a bare host[:port]) and that the registry is up and reachable from this machine.",
    );
  }
  if (kind === "login-rejected" || kind === "pull-denied") {
    return fail(
      "RHX_LAUNCH_LOGIN_REJECTED",
      `Docker login failed: the password was rejected by ${server} for user "${credentials.username}".`,
      `Fix ${credentialNames(credentials)} for ${server}; \`rhx check\` verifies them without launching.`,
    );
  }
  return fail("RHX_LAUNCH_FAILED", describeFailure(`Docker login to ${server} failed`, tailOf(stderr)));
}

export function pullError(
  stderr: string,
  image: string,
  credentials: DockerCredentials | undefined,
  redactor: Redactor,
): RhxError {
  const fail = failWith(redactor);
  const kind = classifyDockerError(stderr);
  const reason = daemonReason(stderr);
  if (kind === "engine-unreachable" || kind === "engine-permission")
    return engineUnreachable(stderr, redactor);
  if (kind === "image-not-found") {
    return fail(
      "RHX_LAUNCH_IMAGE_NOT_FOUND",
      `The image ${image} was not found: ${reason}`,
      "Check image_id: the repository and tag must exist in the registry (`rhx check` looks before launching).",
    );
  }
  if (kind === "pull-denied" || kind === "login-rejected") {
    const hint = credentials
      ? `The login to ${credentials.server} worked but may not pull ${image}: give user "${credentials.username}" pull access, or fix ${credentialNames(credentials)}.`
      : "The registry needs credentials: set SKYPILOT_DOCKER_USERNAME, SKYPILOT_DOCKER_PASSWORD and SKYPILOT_DOCKER_SERVER (or the file's docker: block).";
    return fail("RHX_LAUNCH_PULL_DENIED", `Pulling ${image} was denied: ${reason}`, hint);
  }
  if (kind === "registry-unreachable") {
    return fail(
      "RHX_LAUNCH_REGISTRY_UNREACHABLE",
      `The registry of ${image} could not be reached: ${reason}`,
      credentials
        ? "Check SKYPILOT_DOCKER_SERVER and that the registry is up."
        : "The image is not on this machine and its registry is unreachable: build or load it locally, or set the registry credentials.",
    );
  }
  return fail("RHX_LAUNCH_FAILED", describeFailure(`Pulling ${image} failed`, tailOf(stderr)));
}

export function runError(stderr: string, image: string, redactor: Redactor): RhxError {
  const fail = failWith(redactor);
  const kind = classifyDockerError(stderr);
  if (kind === "engine-unreachable" || kind === "engine-permission")
    return engineUnreachable(stderr, redactor);
  const noShell = /\/bin\/sh.*(no such file|not found)|exec format error/i.test(stderr);
  return fail(
    "RHX_LAUNCH_FAILED",
    describeFailure(`Starting a container from ${image} failed`, tailOf(stderr)),
    noShell
      ? "The image needs /bin/sh for its platform: rhx keeps the container alive with a shell loop, as SkyPilot does with /bin/bash."
      : undefined,
  );
}

export function tailOf(text: string, lines = 20): string[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-lines);
}
