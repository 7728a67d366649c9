// `rhx check` and `rhx apply` against Debian's real `docker-registry` with htpasswd Basic auth (issue 4):
// every verdict with its exit code, its code and message in the human output and in the `--json`
// `preflight` events, and never the password in any form on stdout or stderr.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, freePort, requireDocker } from "../helpers/docker-env.ts";
import { startRegistry, type TestRegistry } from "../helpers/registry.ts";
import { type CliResult, ensureBuilt, events, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";
import { Pusher } from "../registry/helpers/push.ts";
import { secretForms } from "../registry/helpers/secrets.ts";

const USER = "alice";
const PASSWORD = "Rhx-e2e-Alice-Distinctive-7c41f9e2";
const OTHER_USER = "bob";
const OTHER_PASSWORD = "Rhx-e2e-Bob-Distinctive-0d93ab51";
const WRONG_PASSWORD = "Rhx-e2e-Wrong-Distinctive-55e2c8aa";
/** Every form a leak could take: the values, URL- and base64-encoded, Basic headers, the redactor's mask. */
const SECRETS = [
  ...secretForms(USER, PASSWORD),
  ...secretForms(OTHER_USER, OTHER_PASSWORD),
  ...secretForms(USER, WRONG_PASSWORD),
  ...secretForms("mallory", PASSWORD),
];

let registry: TestRegistry;
let downPort: number;
const dir = mkdtempSync(join(tmpdir(), "rhx-e2e-check-"));
const stateDir = join(dir, "state");

beforeAll(async () => {
  await requireDocker([]);
  registry = await startRegistry({ users: { [USER]: PASSWORD, [OTHER_USER]: OTHER_PASSWORD } });
  const push = Pusher.basic(registry.url, USER, PASSWORD);
  const amd64 = { os: "linux", architecture: "amd64" };
  await push.image("team/app", "1.0", amd64);
  await push.image("team/app", "1.1", amd64);
  await push.image("team/app", "2.0-rc1", amd64, "docker");
  // An image built on an arm laptop, and a multi-platform index without amd64.
  await push.image("team/arm", "1.0", { os: "linux", architecture: "arm64" });
  const arm64 = await push.image("team/multi", "arm64", { os: "linux", architecture: "arm64" });
  const armv7 = await push.image("team/multi", "armv7", { os: "linux", architecture: "arm", variant: "v7" });
  await push.index("team/multi", "1.0", [
    { descriptor: arm64, platform: { os: "linux", architecture: "arm64" } },
    { descriptor: armv7, platform: { os: "linux", architecture: "arm", variant: "v7" } },
  ]);
  // Reserved for this file and never listened on: a registry that is down.
  downPort = await freePort();
});

afterAll(async () => {
  // Undefined when beforeAll failed before starting it.
  await (registry as TestRegistry | undefined)?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;

interface Case {
  image: string;
  /** SKYPILOT_DOCKER_* in the environment; undefined: none. */
  login?: { username: string; password: string; server: string } | undefined;
  /** Extra YAML appended to the cluster document. */
  yaml?: string;
  env?: Record<string, string>;
}

/** Writes a cluster file for `provider: local` on a free port; returns its path and cluster name. */
async function clusterFile(c: Case): Promise<{ file: string; name: string }> {
  const name = `chk-${process.pid.toString(36)}-${++counter}`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      "provider: local",
      `image_id: docker:${c.image}`,
      "server:",
      `  port: ${await freePort()}`,
      c.yaml ?? "",
    ].join("\n"),
  );
  return { file, name };
}

function loginEnv(login: Case["login"]): Record<string, string> {
  if (!login) return {};
  return {
    SKYPILOT_DOCKER_USERNAME: login.username,
    SKYPILOT_DOCKER_PASSWORD: login.password,
    SKYPILOT_DOCKER_SERVER: login.server,
  };
}

function expectNoSecrets(result: CliResult): void {
  const leaked = SECRETS.filter((s) => result.stdout.includes(s) || result.stderr.includes(s));
  expect(leaked, `secret forms in the output:\n${result.stderr}\n${result.stdout}`).toEqual([]);
  expect(result.stderr).not.toMatch(STACK_LINE);
}

/** `rhx check FILE` in human and `--json` form; both must agree and neither may leak. */
async function check(c: Case) {
  const { file, name } = await clusterFile(c);
  const env = { ...loginEnv(c.login), ...c.env };
  const argv = ["check", file, "--state-dir", stateDir];
  const human = await runCli(argv, { cwd: dir, env });
  const json = await runCli([...argv, "--json"], { cwd: dir, env });
  expectNoSecrets(human);
  expectNoSecrets(json);
  expect(json.exitCode).toBe(human.exitCode);
  const preflight = events(json.stdout).filter((e) => e.type === "preflight");
  const registryEvent = preflight.find((e) => e.id === "registry");
  return { human, json, preflight, registryEvent, name, file };
}

/** The human line of a failed check: `✗ <title>: <message> (<code>)`. */
function failLine(message: string, code: string): string {
  return `✗ registry login and image: ${message} (${code})`;
}

const login = (username: string, password: string) => ({ username, password, server: registry.host });

describe("rhx check against docker-registry (htpasswd)", () => {
  it("good credentials: every check passes, exit 0", async () => {
    const r = await check({ image: "team/app:1.0", login: login(USER, PASSWORD) });
    expect(r.human.exitCode).toBe(0);
    expect(r.human.stderr).toContain(`✓ registry login and image: ${registry.host}/team/app:1.0 (sha256:`);
    expect(r.human.stderr).toContain(`is there and ${USER} can pull it.`);
    expect(r.human.stderr).toContain("All checks passed.");
    expect(r.preflight.map((e) => [e.id, e.status])).toEqual([
      ["engine", "pass"],
      ["port", "pass"],
      ["registry", "pass"],
    ]);
    expect(events(r.json.stdout).at(-1)).toMatchObject({ type: "summary", command: "check", ok: true });
  });

  it("the docker: block with ${VAR}s works the same", async () => {
    const r = await check({
      image: `${"${SKYPILOT_DOCKER_SERVER}"}/team/app:1.1`,
      yaml: [
        "docker:",
        "  username: ${REG_USER}",
        "  password: ${SKYPILOT_DOCKER_PASSWORD}",
        "  server: ${SKYPILOT_DOCKER_SERVER}",
      ].join("\n"),
      env: { REG_USER: USER, SKYPILOT_DOCKER_PASSWORD: PASSWORD, SKYPILOT_DOCKER_SERVER: registry.host },
    });
    expect(r.human.exitCode).toBe(0);
    expect(r.registryEvent).toMatchObject({ status: "pass" });
  });

  it("wrong password: RHX_REGISTRY_AUTH_REJECTED, exit 4", async () => {
    const r = await check({ image: "team/app:1.0", login: login(USER, WRONG_PASSWORD) });
    const message = `The password was rejected by ${registry.host} (user "${USER}").`;
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toContain(failLine(message, "RHX_REGISTRY_AUTH_REJECTED"));
    expect(r.human.stderr).toContain("hint: Check SKYPILOT_DOCKER_USERNAME and SKYPILOT_DOCKER_PASSWORD");
    expect(r.human.stderr).toContain("Pre-flight failed: nothing would be launched.");
    expect(r.registryEvent).toMatchObject({
      cluster: r.name,
      status: "fail",
      code: "RHX_REGISTRY_AUTH_REJECTED",
      message,
    });
    expect(events(r.json.stdout).at(-1)).toMatchObject({ type: "summary", ok: false });
  });

  it("wrong user: RHX_REGISTRY_AUTH_REJECTED naming that user", async () => {
    const r = await check({ image: "team/app:1.0", login: login("mallory", PASSWORD) });
    const message = `The password was rejected by ${registry.host} (user "mallory").`;
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toContain(failLine(message, "RHX_REGISTRY_AUTH_REJECTED"));
    expect(r.registryEvent).toMatchObject({ status: "fail", code: "RHX_REGISTRY_AUTH_REJECTED", message });
  });

  it("another user's password: rejected too", async () => {
    const r = await check({ image: "team/app:1.0", login: login(USER, OTHER_PASSWORD) });
    expect(r.human.exitCode).toBe(4);
    expect(r.registryEvent).toMatchObject({ code: "RHX_REGISTRY_AUTH_REJECTED" });
  });

  it("missing tag: RHX_IMAGE_NOT_FOUND with the tags that exist", async () => {
    const r = await check({ image: "team/app:1.2", login: login(USER, PASSWORD) });
    const message = `${registry.host}/team/app has no tag "1.2".`;
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toContain(failLine(message, "RHX_IMAGE_NOT_FOUND"));
    expect(r.registryEvent).toMatchObject({ status: "fail", code: "RHX_IMAGE_NOT_FOUND", message });
    // Nearest first: 1.1 and 1.0 before 2.0-rc1.
    const hint = String(r.registryEvent?.hint);
    expect(hint).toMatch(/^Existing tags, nearest first: 1\.[01], 1\.[01], 2\.0-rc1\.$/);
    expect(r.human.stderr).toContain(`hint: ${hint}`);
  });

  it("missing repository: RHX_IMAGE_NOT_FOUND naming the repository", async () => {
    const r = await check({ image: "team/nope:1.0", login: login(USER, PASSWORD) });
    const message = `The repository team/nope does not exist on ${registry.host}.`;
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toContain(failLine(message, "RHX_IMAGE_NOT_FOUND"));
    expect(r.registryEvent).toMatchObject({ code: "RHX_IMAGE_NOT_FOUND", message });
  });

  it("registry down (port closed): RHX_REGISTRY_UNREACHABLE", async () => {
    const host = `127.0.0.1:${downPort}`;
    const r = await check({
      image: "team/app:1.0",
      login: { username: USER, password: PASSWORD, server: host },
    });
    expect(r.human.exitCode).toBe(4);
    expect(r.registryEvent).toMatchObject({ status: "fail", code: "RHX_REGISTRY_UNREACHABLE" });
    const message = `Cannot reach the registry ${host}: connection refused (nothing listens on that port).`;
    expect(r.registryEvent).toMatchObject({ message });
    expect(r.human.stderr).toContain(failLine(message, "RHX_REGISTRY_UNREACHABLE"));
  });

  it("an arm64-only image: RHX_IMAGE_PLATFORM_MISSING for linux/amd64", async () => {
    const r = await check({ image: "team/arm:1.0", login: login(USER, PASSWORD) });
    const message = `${registry.host}/team/arm:1.0 has no linux/amd64 image; it is built for linux/arm64.`;
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toContain(failLine(message, "RHX_IMAGE_PLATFORM_MISSING"));
    expect(r.registryEvent).toMatchObject({ code: "RHX_IMAGE_PLATFORM_MISSING", message });
  });

  it("a manifest list without the target platform: RHX_IMAGE_PLATFORM_MISSING listing what it has", async () => {
    const r = await check({ image: "team/multi:1.0", login: login(USER, PASSWORD) });
    const message = `${registry.host}/team/multi:1.0 has no linux/amd64 image; it is built for linux/arm64, linux/arm/v7.`;
    expect(r.human.exitCode).toBe(4);
    expect(r.registryEvent).toMatchObject({ code: "RHX_IMAGE_PLATFORM_MISSING", message });
  });

  it("the same index passes for `platform: linux/arm64`", async () => {
    const r = await check({
      image: "team/multi:1.0",
      login: login(USER, PASSWORD),
      yaml: "platform: linux/arm64",
    });
    expect(r.human.exitCode).toBe(0);
    expect(r.registryEvent).toMatchObject({ status: "pass" });
  });

  it("server mismatch in the file: a configuration error at image_id, exit 3, no request made", async () => {
    const r = await check({
      image: "ghcr.io/org/app:1",
      yaml: [
        "docker:",
        `  username: ${USER}`,
        "  password: ${SKYPILOT_DOCKER_PASSWORD}",
        `  server: ${registry.host}`,
      ].join("\n"),
      env: { SKYPILOT_DOCKER_PASSWORD: PASSWORD },
    });
    expect(r.human.exitCode).toBe(3);
    expect(r.human.stderr).toMatch(/chk-[a-z0-9-]+\.yaml:3:11 error RHX_DOCKER_SERVER_MISMATCH/);
    expect(r.human.stderr).toContain(
      `The image names the registry ghcr.io but the login server is ${registry.host}, so SkyPilot would pull ${registry.host}/ghcr.io/org/app:1.`,
    );
    expect(r.preflight).toEqual([]);
    expect(events(r.json.stdout).find((e) => e.type === "diagnostic")).toMatchObject({
      code: "RHX_DOCKER_SERVER_MISMATCH",
      location: { line: 3, column: 11 },
    });
  });

  it("server mismatch from SKYPILOT_DOCKER_SERVER: reported at image_id too", async () => {
    const r = await check({ image: "ghcr.io/org/app:1", login: login(USER, PASSWORD) });
    expect(r.human.exitCode).toBe(3);
    expect(r.human.stderr).toMatch(/:3:11 error RHX_DOCKER_SERVER_MISMATCH/);
  });

  it("SKYPILOT_DOCKER_PASSWORD unset in ${}: exit 4 naming the variable at its location", async () => {
    const r = await check({
      image: "team/app:1.0",
      yaml: [
        "docker:",
        `  username: ${USER}`,
        "  password: ${SKYPILOT_DOCKER_PASSWORD}",
        `  server: ${registry.host}`,
      ].join("\n"),
    });
    expect(r.human.exitCode).toBe(4);
    expect(r.human.stderr).toMatch(
      /chk-[a-z0-9-]+\.yaml:8:13 error RHX_ENV_UNSET\n {2}SKYPILOT_DOCKER_PASSWORD is not set\./,
    );
    expect(r.human.stderr).toContain("> 8 |   password: ${SKYPILOT_DOCKER_PASSWORD}");
    expect(r.preflight).toEqual([]);
    expect(events(r.json.stdout).find((e) => e.type === "diagnostic")).toMatchObject({
      code: "RHX_ENV_UNSET",
      message: "SKYPILOT_DOCKER_PASSWORD is not set.",
      location: { line: 8, column: 13 },
    });
  });
});

describe("rhx apply stops at a failed pre-flight", () => {
  const containers = async (name: string) =>
    (
      await docker(["ps", "-a", "--filter", `label=rhx.cluster=${name}`, "--format", "{{.ID}}"])
    ).stdout.trim();

  it.each([
    ["wrong password", { image: "team/app:1.0", password: WRONG_PASSWORD }, "RHX_REGISTRY_AUTH_REJECTED"],
    ["missing tag", { image: "team/app:0.0.1", password: PASSWORD }, "RHX_IMAGE_NOT_FOUND"],
  ])("%s: exit 4, nothing launched", async (_what, c, code) => {
    const { file, name } = await clusterFile({ image: c.image });
    const env = loginEnv(login(USER, c.password));
    const argv = ["apply", file, "--yes", "--state-dir", stateDir];
    const human = await runCli(argv, { cwd: dir, env });
    expect(human.exitCode).toBe(4);
    expect(human.stderr).toContain(`[${name}] ✗ registry login and image: `);
    expect(human.stderr).toContain(`(${code})`);
    expectNoSecrets(human);
    expect(await containers(name)).toBe("");

    const json = await runCli([...argv, "--json"], { cwd: dir, env });
    expect(json.exitCode).toBe(4);
    expectNoSecrets(json);
    const stream = events(json.stdout);
    expect(stream.find((e) => e.type === "preflight" && e.id === "registry")).toMatchObject({
      status: "fail",
      code,
    });
    expect(stream.some((e) => e.type === "step-started")).toBe(false);
    expect(await containers(name)).toBe("");
  });
});

describe("the built CLI, as a user runs it", () => {
  beforeAll(() => ensureBuilt(), 240_000);

  it("wrong password: exit 4, the verdict on stderr, the events on stdout, no secret in either", async () => {
    const { file } = await clusterFile({ image: "team/app:1.0" });
    const env = loginEnv(login(USER, WRONG_PASSWORD));
    const human = await runBuiltCli(["check", file, "--state-dir", stateDir], { cwd: dir, env });
    expect(human.exitCode).toBe(4);
    expect(human.stdout).toBe("");
    expect(human.stderr).toContain("(RHX_REGISTRY_AUTH_REJECTED)");
    expectNoSecrets(human);
    const json = await runBuiltCli(["check", file, "--json", "--state-dir", stateDir], { cwd: dir, env });
    expect(json.exitCode).toBe(4);
    expect(events(json.stdout).find((e) => e.id === "registry")).toMatchObject({
      code: "RHX_REGISTRY_AUTH_REJECTED",
    });
    expectNoSecrets(json);
  });
});
