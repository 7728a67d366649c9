/**
 * checkImage against the real `docker-registry` (distribution 2.8) with htpasswd Basic auth.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/image/reference.ts";
import { type CheckImageOptions, checkImage, type ImageCheckResult } from "../../src/registry/client.ts";
import {
  RHX_IMAGE_NOT_FOUND,
  RHX_IMAGE_PLATFORM_MISSING,
  RHX_IMAGE_SERVER_MISMATCH,
  RHX_REGISTRY_AUTH_REJECTED,
  RHX_REGISTRY_AUTH_REQUIRED,
} from "../../src/registry/errors.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { type RunningRegistry, startDockerRegistry } from "./helpers/docker-registry.ts";
import { type Descriptor, DOCKER_LIST, OCI_INDEX, OCI_MANIFEST, Pusher } from "./helpers/push.ts";
import { leaks, secretForms } from "./helpers/secrets.ts";

const USER = "alice";
const PASSWORD = "Pw-rhx-7f3c9e-registry-DO-NOT-LEAK";
const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };
const ARMV7 = { os: "linux", architecture: "arm", variant: "v7" };

let registry: RunningRegistry | undefined;
let app10: Descriptor;
const seen: unknown[] = [];

function image(name: string) {
  const parsed = parseImageReference(`${registry!.host}/${name}`);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

async function check(name: string, options: Partial<CheckImageOptions> = {}): Promise<ImageCheckResult> {
  const result = await checkImage({
    redactor: new Redactor(),
    image: image(name),
    credentials: { username: USER, password: PASSWORD },
    timeoutMs: 5000,
    ...options,
  });
  seen.push(result);
  return result;
}

beforeAll(async () => {
  registry = await startDockerRegistry({ [USER]: PASSWORD, bob: "another-password" });
  const push = Pusher.basic(registry.origin, USER, PASSWORD);
  app10 = await push.image("team/app", "1.0", AMD64);
  for (const tag of ["1.1", "2.0-py3", "2.0-py311", "latest"]) await push.image("team/app", tag, AMD64);
  await push.image("team/app", "arm-only", ARM64, "docker");
  const amd = await push.image("team/multi", "amd64", AMD64);
  const arm = await push.image("team/multi", "arm64", ARM64);
  const armv7 = await push.image("team/multi", "armv7", ARMV7);
  await push.index("team/multi", "1", [
    { descriptor: amd, platform: AMD64 },
    { descriptor: arm, platform: ARM64 },
  ]);
  await push.index("team/multi", "arm-list", [
    { descriptor: arm, platform: ARM64 },
    { descriptor: armv7, platform: ARMV7 },
  ]);
  await push.index("team/multi", "docker-list", [{ descriptor: amd, platform: AMD64 }], "docker");
});

afterAll(async () => {
  await registry?.stop();
});

describe("checkImage against docker-registry (Basic auth)", () => {
  it("finds an image with good credentials", async () => {
    const result = await check("team/app:1.0");
    expect(result).toEqual({
      ok: true,
      digest: app10.digest,
      mediaType: OCI_MANIFEST,
      platformFound: true,
      platforms: ["linux/amd64"],
    });
  });

  it("finds an image by digest", async () => {
    const result = await check(`team/app@${app10.digest}`);
    expect(result).toMatchObject({ ok: true, digest: app10.digest });
  });

  it("finds the target platform in an OCI index", async () => {
    const result = await check("team/multi:1");
    expect(result).toMatchObject({
      ok: true,
      mediaType: OCI_INDEX,
      platformFound: true,
      platforms: ["linux/amd64", "linux/arm64"],
    });
  });

  it("finds the target platform in a Docker manifest list", async () => {
    expect(await check("team/multi:docker-list")).toMatchObject({
      ok: true,
      mediaType: DOCKER_LIST,
      platformFound: true,
    });
  });

  it("reports an index without linux/amd64", async () => {
    const result = await check("team/multi:arm-list");
    expect(result).toMatchObject({
      ok: false,
      code: RHX_IMAGE_PLATFORM_MISSING,
      platforms: ["linux/arm64", "linux/arm/v7"],
    });
    expect(result.ok ? "" : result.message).toBe(
      `${registry?.host}/team/multi:arm-list has no linux/amd64 image; it is built for linux/arm64, linux/arm/v7.`,
    );
  });

  it("accepts the same index for another target platform", async () => {
    expect(await check("team/multi:arm-list", { platform: "linux/arm/v7" })).toMatchObject({
      ok: true,
      platformFound: true,
    });
    expect(await check("team/multi:arm-list", { platform: "linux/aarch64" })).toMatchObject({
      ok: true,
      platformFound: true,
    });
  });

  it("reports a single-platform image built for another platform (from its config)", async () => {
    const result = await check("team/app:arm-only");
    expect(result).toMatchObject({ ok: false, code: RHX_IMAGE_PLATFORM_MISSING, platforms: ["linux/arm64"] });
  });

  it("says the password was rejected", async () => {
    const result = await check("team/app:1.0", {
      credentials: { username: USER, password: `${PASSWORD}-wrong` },
    });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REJECTED, status: 401 });
    expect(result.ok ? "" : result.message).toBe(
      `The password was rejected by ${registry?.host} (user "alice").`,
    );
  });

  it("says the password was rejected for an unknown user too", async () => {
    const result = await check("team/app:1.0", { credentials: { username: "mallory", password: PASSWORD } });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REJECTED });
  });

  it("says which variables to set when there are no credentials", async () => {
    const result = await check("team/app:1.0", { credentials: undefined });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REQUIRED });
    expect(result.ok ? "" : result.hint).toBe(
      `Set SKYPILOT_DOCKER_USERNAME, SKYPILOT_DOCKER_PASSWORD and SKYPILOT_DOCKER_SERVER=${registry?.host} (or the docker: block of cluster.yaml).`,
    );
  });

  it("lists the existing tags, nearest first, when the tag is missing", async () => {
    const result = await check("team/app:2.0-py");
    expect(result).toMatchObject({ ok: false, code: RHX_IMAGE_NOT_FOUND, status: 404 });
    if (result.ok) return;
    expect(result.tags?.slice(0, 2)).toEqual(["2.0-py3", "2.0-py311"]);
    expect(result.tags).toHaveLength(6);
    expect(result.message).toBe(`${registry?.host}/team/app has no tag "2.0-py".`);
    expect(result.hint).toMatch(/^Existing tags, nearest first: 2\.0-py3, 2\.0-py311, /);
  });

  it("says when the repository does not exist", async () => {
    const result = await check("team/nope:1");
    expect(result).toMatchObject({ ok: false, code: RHX_IMAGE_NOT_FOUND });
    expect(result.ok ? "" : result.message).toBe(
      `The repository team/nope does not exist on ${registry?.host}.`,
    );
  });

  it("does not offer the password to another registry than the one it is for", async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const result = await check("team/app:1.0", {
      credentials: { username: USER, password: PASSWORD, server: "ghcr.io" },
      fetch: counting,
    });
    expect(result).toMatchObject({ ok: false, code: RHX_IMAGE_SERVER_MISMATCH });
    expect(calls).toBe(0);
  });

  it("never puts the password in a result", () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const result of seen) expect(leaks(result, secretForms(USER, PASSWORD))).toEqual([]);
  });
});
