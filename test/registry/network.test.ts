/**
 * Network failures and their bounds: a closed port, a registry that never answers, transient errors
 * retried once, Retry-After, TLS and DNS failures, and the caller's AbortSignal.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/image/reference.ts";
import { type CheckImageOptions, checkImage } from "../../src/registry/client.ts";
import {
  RHX_REGISTRY_ERROR,
  RHX_REGISTRY_TIMEOUT,
  RHX_REGISTRY_TLS,
  RHX_REGISTRY_UNREACHABLE,
} from "../../src/registry/errors.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { freePort } from "./helpers/docker-registry.ts";
import { OCI_INDEX, sha256 } from "./helpers/push.ts";
import { leaks, secretForms } from "./helpers/secrets.ts";
import { closeAll, hostOf, listen } from "./helpers/token-registry.ts";

const USER = "alice";
const PASSWORD = "Pw-rhx-c0ffee-network-DO-NOT-LEAK";
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    { mediaType: "x", digest: sha256("a"), size: 1, platform: { os: "linux", architecture: "amd64" } },
  ],
});

const servers: Server[] = [];
const sockets: Socket[] = [];
let tcp: TcpServer | undefined;
const seen: unknown[] = [];

afterEach(async () => {
  await closeAll(servers.splice(0));
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
  tcp = undefined;
});

function image(host: string) {
  const parsed = parseImageReference(`${host}/org/app:1`);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

async function check(host: string, options: Partial<CheckImageOptions> = {}) {
  const result = await checkImage({
    redactor: new Redactor(),
    image: image(host),
    credentials: { username: USER, password: PASSWORD },
    ...options,
  });
  seen.push(result);
  return result;
}

/** Answers with `status` and tells `scripted` the request was handled. */
function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): true {
  res.writeHead(status, headers).end();
  return true;
}

/** An anonymous registry whose answers a test can script per request. */
async function scripted(
  script: (req: IncomingMessage, res: ServerResponse, count: number) => boolean,
): Promise<{ host: string; count: () => number }> {
  let count = 0;
  const server = await listen((req, res) => {
    count++;
    if (script(req, res, count)) return;
    if (req.url === "/v2/") res.writeHead(200).end("{}");
    else res.writeHead(200, { "Content-Type": OCI_INDEX }).end(req.method === "HEAD" ? undefined : INDEX);
  }, "127.0.0.1");
  servers.push(server);
  return { host: hostOf(server), count: () => count };
}

describe("network failures", () => {
  it("reports a registry that is down (port closed) at once", async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await check(`127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_UNREACHABLE });
    expect(result.ok ? "" : result.message).toBe(
      `Cannot reach the registry 127.0.0.1:${port}: connection refused (nothing listens on that port).`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("cuts off a registry that accepts and never answers", async () => {
    tcp = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => tcp?.listen(0, "127.0.0.1", resolve));
    const address = tcp.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const started = Date.now();
    const result = await check(`127.0.0.1:${port}`, { timeoutMs: 400 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_TIMEOUT });
    expect(result.ok ? "" : result.message).toBe(
      `The registry 127.0.0.1:${port} did not answer within 0.4 s.`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1500);
  });

  it("bounds the whole check, not only each request", async () => {
    // Every answer takes 250 ms: each request fits its 1 s limit, but the three a check needs do not
    // fit the 600 ms total.
    const reg = await scripted((req, res) => {
      setTimeout(() => {
        if (res.writableEnded) return;
        if (req.url === "/v2/") res.writeHead(200).end("{}");
        else res.writeHead(200, { "Content-Type": OCI_INDEX }).end(req.method === "HEAD" ? undefined : INDEX);
      }, 250);
      return true;
    });
    const started = Date.now();
    const result = await check(reg.host, { timeoutMs: 1000, totalTimeoutMs: 600 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_TIMEOUT });
    expect(result.ok ? "" : result.message).toMatch(/did not answer within 0\.6 s\.$/);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(2000);
  });

  it("retries once after a 503", async () => {
    const reg = await scripted((_req, res, n) => n === 1 && answer(res, 503));
    expect(await check(reg.host)).toMatchObject({ ok: true, platformFound: true });
  });

  it("retries only once", async () => {
    const reg = await scripted((_req, res) => answer(res, 502));
    const result = await check(reg.host);
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_ERROR, status: 502 });
    expect(reg.count()).toBe(2);
  });

  it("retries once after a reset connection", async () => {
    const reg = await scripted((req, _res, n) => n === 1 && req.socket.destroy() !== undefined);
    expect(await check(reg.host)).toMatchObject({ ok: true });
  });

  it("honours a short Retry-After on 429", async () => {
    const reg = await scripted((_req, res, n) => n === 1 && answer(res, 429, { "Retry-After": "1" }));
    const started = Date.now();
    expect(await check(reg.host)).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("does not wait for a long Retry-After and says the registry is rate-limiting", async () => {
    const reg = await scripted((_req, res) => answer(res, 429, { "Retry-After": "3600" }));
    const result = await check(reg.host);
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_ERROR, status: 429 });
    expect(result.ok ? "" : result.hint).toMatch(/rate-limiting/);
    expect(reg.count()).toBe(1);
  });

  it("reports TLS failures", async () => {
    const fake: typeof fetch = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" }),
      });
    };
    const result = await check("registry.example.test", { fetch: fake });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_TLS });
    expect(result.ok ? "" : result.message).toBe(
      "The TLS connection to registry.example.test failed: the certificate has expired.",
    );
  });

  it("reports a host name that does not resolve", async () => {
    const fake: typeof fetch = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }),
      });
    };
    const result = await check("registry.example.test", { fetch: fake });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_UNREACHABLE });
    expect(result.ok ? "" : result.message).toMatch(/does not resolve \(DNS\)/);
  });

  it("uses HTTPS for every host that is not loopback", async () => {
    const urls: string[] = [];
    const fake: typeof fetch = async (input) => {
      urls.push(String(input));
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
      });
    };
    await check("registry.example.test:5000", { fetch: fake });
    await check("10.1.2.3:5000", { fetch: fake });
    expect(urls).toEqual(["https://registry.example.test:5000/v2/", "https://10.1.2.3:5000/v2/"]);
  });

  it("stops when the caller aborts, with the caller's reason", async () => {
    tcp = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => tcp?.listen(0, "127.0.0.1", resolve));
    const address = tcp.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("interrupted by the user")), 100);
    const started = Date.now();
    const error = await check(`127.0.0.1:${port}`, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("interrupted by the user");
    expect(Date.now() - started).toBeLessThan(1000);
    seen.push(error);
  });

  it("rejects a platform that is not os/arch", async () => {
    const error = await check("127.0.0.1:1", { platform: "amd64" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RHX_IMAGE_PLATFORM_INVALID", exitCode: 3 });
    seen.push(error);
  });

  it("never puts the password in a result or a thrown error", () => {
    expect(seen.length).toBeGreaterThan(8);
    for (const result of seen) expect(leaks(result, secretForms(USER, PASSWORD))).toEqual([]);
  });
});
