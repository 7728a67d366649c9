/**
 * checkImage against a Bearer-token registry emulated on loopback, and the rule for where the
 * password may go (src/registry/auth.ts).
 */
import type { Server } from "node:http";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/image/reference.ts";
import { type CheckImageOptions, checkImage, type ImageCheckResult } from "../../src/registry/client.ts";
import {
  RHX_IMAGE_NOT_FOUND,
  RHX_IMAGE_PLATFORM_MISSING,
  RHX_REGISTRY_AUTH_REJECTED,
  RHX_REGISTRY_AUTH_REQUIRED,
  RHX_REGISTRY_DENIED,
  RHX_REGISTRY_ERROR,
} from "../../src/registry/errors.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { DOCKER_LIST, OCI_MANIFEST, sha256 } from "./helpers/push.ts";
import { leaks, secretForms } from "./helpers/secrets.ts";
import {
  closeAll,
  hostOf,
  listen,
  type Recorded,
  type StoredManifest,
  startTokenRegistry,
  type TokenRegistry,
  type TokenRegistryOptions,
} from "./helpers/token-registry.ts";

const USER = "alice";
const PASSWORD = "Pw-rhx-b3a1d0-bearer-DO-NOT-LEAK";
const GOOD = { username: USER, password: PASSWORD };
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

const config = JSON.stringify({
  os: "linux",
  architecture: "amd64",
  rootfs: { type: "layers", diff_ids: [] },
});
const manifestBody = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: sha256(config),
    size: config.length,
  },
  layers: [],
});
const single: StoredManifest = { mediaType: OCI_MANIFEST, body: manifestBody, digest: sha256(manifestBody) };
const armListBody = JSON.stringify({
  schemaVersion: 2,
  mediaType: DOCKER_LIST,
  manifests: [
    {
      mediaType: OCI_MANIFEST,
      digest: sha256("arm"),
      size: 3,
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    },
    {
      mediaType: OCI_MANIFEST,
      digest: sha256("att"),
      size: 3,
      platform: { os: "unknown", architecture: "unknown" },
    },
  ],
});
const armList: StoredManifest = { mediaType: DOCKER_LIST, body: armListBody, digest: sha256(armListBody) };
const CONTENT = {
  manifests: { "org/app": { "1.0": single, "1.1": single, "2.0": single, "arm-list": armList } },
  blobs: { [sha256(config)]: config },
};

const seen: unknown[] = [];
let registry: TokenRegistry | undefined;
const extraServers: Server[] = [];

afterEach(async () => {
  await registry?.close();
  registry = undefined;
  await closeAll(extraServers.splice(0));
});

async function start(options: Partial<TokenRegistryOptions> = {}): Promise<TokenRegistry> {
  registry = await startTokenRegistry({ users: { [USER]: PASSWORD }, ...CONTENT, ...options });
  return registry;
}

async function check(reg: TokenRegistry, name: string, options: Partial<CheckImageOptions> = {}) {
  const parsed = parseImageReference(`${reg.host}/${name}`);
  if (!parsed.ok) throw new Error(parsed.message);
  const result: ImageCheckResult = await checkImage({
    redactor: new Redactor(),
    image: parsed.value,
    credentials: GOOD,
    timeoutMs: 5000,
    ...options,
  });
  seen.push(result);
  return result;
}

const on = (requests: Recorded[], server: Recorded["server"]) => requests.filter((r) => r.server === server);

describe("checkImage against a Bearer-token registry", () => {
  it("gets a token with the password and uses only the token on the registry", async () => {
    const reg = await start();
    expect(await check(reg, "org/app:1.0")).toEqual({
      ok: true,
      digest: single.digest,
      mediaType: OCI_MANIFEST,
      platformFound: true,
      platforms: ["linux/amd64"],
    });
    expect(reg.scopes[0]).toBe("repository:org/app:pull");
    expect(on(reg.requests, "token").every((r) => r.authorization === BASIC)).toBe(true);
    expect(on(reg.requests, "token")).toHaveLength(1);
    const registryAuth = on(reg.requests, "registry").map((r) => r.authorization ?? "none");
    expect(registryAuth[0]).toBe("none");
    expect(registryAuth.slice(1).every((a) => a.startsWith("Bearer tok-"))).toBe(true);
  });

  it("asks for its own pull scope even when the /v2/ challenge names a placeholder (GHCR)", async () => {
    const reg = await start({ pingScope: "repository:user/image:pull" });
    expect(await check(reg, "org/app:1.0")).toMatchObject({ ok: true });
    expect(reg.scopes).toEqual(["repository:org/app:pull"]);
  });

  it("reads an OAuth2-style access_token", async () => {
    const reg = await start({ accessTokenField: true });
    expect(await check(reg, "org/app:1.0")).toMatchObject({ ok: true });
  });

  it("pulls a public image anonymously", async () => {
    const reg = await start({ anonymous: true });
    expect(await check(reg, "org/app:1.0", { credentials: undefined })).toMatchObject({ ok: true });
    expect(reg.requests.every((r) => !r.authorization?.startsWith("Basic"))).toBe(true);
  });

  it("says the password was rejected when the token service refuses it", async () => {
    const reg = await start();
    const result = await check(reg, "org/app:1.0", {
      credentials: { username: USER, password: `${PASSWORD}x` },
    });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REJECTED, status: 401 });
    expect(result.ok ? "" : result.message).toBe(`The password was rejected by ${reg.host} (user "alice").`);
  });

  it("asks for credentials when anonymous tokens are refused", async () => {
    const reg = await start();
    const result = await check(reg, "org/app:1.0", { credentials: undefined });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REQUIRED });
    expect(result.ok ? "" : result.hint).toMatch(/SKYPILOT_DOCKER_USERNAME, SKYPILOT_DOCKER_PASSWORD/);
  });

  it("reports an expired token (the registry answers 401 to it)", async () => {
    const reg = await start({ mode: "expired" });
    const result = await check(reg, "org/app:1.0");
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REJECTED });
    expect(result.ok ? "" : result.message).toBe(
      `${reg.host} rejected the access token its token service issued for "alice".`,
    );
    // One token, one retry: no loop of token requests.
    expect(on(reg.requests, "token")).toHaveLength(1);
  });

  it("reports a denied scope (401 insufficient_scope)", async () => {
    const reg = await start({ mode: "insufficient-scope" });
    const result = await check(reg, "org/app:1.0");
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_DENIED, status: 401 });
    expect(result.ok ? "" : result.message).toBe(
      `${reg.host} accepted the login of "alice" but denied it pull access to org/app.`,
    );
  });

  it("reports a denied scope (403)", async () => {
    const reg = await start({ mode: "forbidden" });
    expect(await check(reg, "org/app:1.0")).toMatchObject({
      ok: false,
      code: RHX_REGISTRY_DENIED,
      status: 403,
    });
  });

  it("reports a token service that denies the scope (403)", async () => {
    const reg = await start({ mode: "token-forbidden" });
    expect(await check(reg, "org/app:1.0")).toMatchObject({
      ok: false,
      code: RHX_REGISTRY_DENIED,
      status: 403,
    });
  });

  it("says anonymous access was refused for a private or missing repository", async () => {
    const reg = await start({ mode: "insufficient-scope", anonymous: true });
    const result = await check(reg, "org/app:1.0", { credentials: undefined });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REQUIRED });
    expect(result.ok ? "" : result.message).toMatch(/refused anonymous access to org\/app/);
  });

  it("reports a manifest list without the target platform (attestations are not platforms)", async () => {
    const reg = await start();
    expect(await check(reg, "org/app:arm-list")).toMatchObject({
      ok: false,
      code: RHX_IMAGE_PLATFORM_MISSING,
      platforms: ["linux/arm64/v8"],
    });
    expect(await check(reg, "org/app:arm-list", { platform: "linux/arm64" })).toMatchObject({ ok: true });
  });

  it("lists existing tags for a missing tag", async () => {
    const reg = await start();
    const result = await check(reg, "org/app:2.1");
    expect(result).toMatchObject({ ok: false, code: RHX_IMAGE_NOT_FOUND });
    expect(result.ok ? [] : result.tags?.slice(0, 3)).toEqual(["2.0", "1.1", "1.0"]);
  });
});

describe("where the password may go", () => {
  it("sends it to a token realm on another host when the registry named it", async () => {
    const reg = await start({ realmOnOtherHost: true });
    expect(reg.realm).toMatch(/^http:\/\/127\.0\.0\.2:/);
    expect(await check(reg, "org/app:1.0")).toMatchObject({ ok: true });
    expect(on(reg.requests, "token").map((r) => r.authorization)).toEqual([BASIC]);
    expect(on(reg.requests, "registry").every((r) => !r.authorization?.startsWith("Basic"))).toBe(true);
  });

  it("does not forward it when the token service redirects to another host", async () => {
    const other: Recorded[] = [];
    const elsewhere = await listen((req, res) => {
      other.push({
        server: "other",
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
      });
      res.writeHead(401).end();
    }, "127.0.0.3");
    extraServers.push(elsewhere);
    const reg = await start({ tokenRedirect: `http://${hostOf(elsewhere)}/token` });
    const result = await check(reg, "org/app:1.0");
    expect(result.ok).toBe(false);
    expect(other).toHaveLength(1);
    expect(other[0]?.authorization).toBeUndefined();
  });

  it("does not forward the token when the registry redirects a manifest to another host", async () => {
    const other: Recorded[] = [];
    const cdn = await listen((req, res) => {
      other.push({
        server: "other",
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
      });
      res.writeHead(200, { "Content-Type": OCI_MANIFEST }).end(manifestBody);
    }, "127.0.0.3");
    extraServers.push(cdn);
    const reg = await start({ manifestRedirect: `http://${hostOf(cdn)}/manifest` });
    expect(await check(reg, "org/app:1.0")).toMatchObject({ ok: true, mediaType: OCI_MANIFEST });
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("refuses to send it to a plain-HTTP token realm that is not loopback", async () => {
    const calls: Array<{ url: string; authorization: string | null }> = [];
    const fake: typeof fetch = async (input, init) => {
      const url = String(input);
      calls.push({ url, authorization: new Headers(init?.headers).get("authorization") });
      return new Response("{}", {
        status: 401,
        headers: { "WWW-Authenticate": 'Bearer realm="http://auth.example.test/token",service="x"' },
      });
    };
    const image = parseImageReference("registry.example.test/org/app:1");
    if (!image.ok) throw new Error(image.message);
    const result = await checkImage({
      redactor: new Redactor(),
      image: image.value,
      credentials: GOOD,
      fetch: fake,
    });
    seen.push(result);
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_ERROR });
    expect(result.ok ? "" : result.message).toMatch(/plain HTTP, so rhx will not send the password there/);
    expect(calls.map((c) => c.url)).toEqual(["https://registry.example.test/v2/"]);
    expect(calls.every((c) => c.authorization === null)).toBe(true);
  });

  it("does not answer a challenge from another origin reached by a redirect", async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input) => {
      const url = String(input);
      calls.push(url);
      if (url.startsWith("https://registry.example.test/")) {
        return new Response(null, { status: 307, headers: { Location: "https://evil.example.test/v2/" } });
      }
      return new Response(null, {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="evil"' },
      });
    };
    const image = parseImageReference("registry.example.test/org/app:1");
    if (!image.ok) throw new Error(image.message);
    const result = await checkImage({
      redactor: new Redactor(),
      image: image.value,
      credentials: GOOD,
      fetch: fake,
    });
    seen.push(result);
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_ERROR });
    expect(calls).toEqual(["https://registry.example.test/v2/", "https://evil.example.test/v2/"]);
  });
});

afterAll(() => {
  expect(seen.length).toBeGreaterThan(15);
  for (const result of seen) expect(leaks(result, secretForms(USER, PASSWORD))).toEqual([]);
});
