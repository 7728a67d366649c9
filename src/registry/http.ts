/**
 * One HTTP exchange with a registry, with the guarantees the check needs:
 * - every request is cut off by a per-request timeout and by the check's overall deadline;
 * - one retry, after a short jittered pause, on transient failures (connection reset, DNS hiccup,
 *   502/503/504, 429 with a Retry-After we are willing to wait for); refused connections and timeouts
 *   are not retried, so a dead registry answers fast and a hanging one answers at the timeout;
 * - redirects are followed by hand so the Authorization header is dropped whenever the origin changes
 *   (a blob redirect to a CDN must never carry the registry password or token) and never downgraded
 *   from HTTPS to plain HTTP except on loopback.
 * Network failures become a `NetworkFailure` that names the kind, never the request's headers.
 */
import { isLoopbackHost } from "../image/host.ts";

export interface Transport {
  fetch: typeof fetch;
  timeoutMs: number;
  /** `Date.now()` after which no new request starts. */
  deadline: number;
  /** The whole check's budget, for the message when `deadline` is what cut it off. */
  totalMs: number;
  signal?: AbortSignal | undefined;
  /** Longest Retry-After we wait for before retrying a 429/503. */
  maxRetryAfterMs: number;
}

export type NetworkFailureKind = "unreachable" | "tls" | "timeout" | "redirect";

export class NetworkFailure extends Error {
  constructor(
    readonly kind: NetworkFailureKind,
    /** A short, secret-free reason: "connection refused", "certificate has expired", … */
    readonly reason: string,
    readonly timeoutMs = 0,
  ) {
    super(reason);
    this.name = "NetworkFailure";
  }
}

const MAX_REDIRECTS = 5;
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "EAI_AGAIN", "UND_ERR_CLOSED"]);
const REASONS: Readonly<Record<string, [NetworkFailureKind, string]>> = {
  ECONNREFUSED: ["unreachable", "connection refused (nothing listens on that port)"],
  ENOTFOUND: ["unreachable", "the host name does not resolve (DNS)"],
  EAI_AGAIN: ["unreachable", "the host name could not be resolved right now (DNS)"],
  ECONNRESET: ["unreachable", "the connection was reset"],
  UND_ERR_SOCKET: ["unreachable", "the connection was closed by the other side"],
  EHOSTUNREACH: ["unreachable", "no route to the host"],
  ENETUNREACH: ["unreachable", "the network is unreachable"],
  UND_ERR_CONNECT_TIMEOUT: ["timeout", "the connection could not be established in time"],
  CERT_HAS_EXPIRED: ["tls", "the certificate has expired"],
  DEPTH_ZERO_SELF_SIGNED_CERT: ["tls", "the certificate is self-signed"],
  SELF_SIGNED_CERT_IN_CHAIN: ["tls", "the certificate chain contains a self-signed certificate"],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["tls", "the certificate cannot be verified"],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ["tls", "the certificate's issuer is not trusted"],
  ERR_TLS_CERT_ALTNAME_INVALID: ["tls", "the certificate does not match the host name"],
  ERR_SSL_WRONG_VERSION_NUMBER: ["tls", "the server does not speak HTTPS on that port"],
  EPROTO: ["tls", "the TLS handshake failed"],
};

export interface SendInit {
  method: "GET" | "HEAD";
  headers: Record<string, string>;
}

/** The answer and the URL that gave it (after redirects): only the registry's own origin may challenge. */
export interface Sent {
  response: Response;
  url: URL;
}

/** Sends one request (following redirects, retrying once); the caller must consume or cancel the body. */
export async function send(transport: Transport, url: URL, init: SendInit): Promise<Sent> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= 1;
    let sent: Sent;
    try {
      sent = await followRedirects(transport, url, init);
    } catch (error) {
      const failure = classify(transport, error);
      if (last || !isTransient(error)) throw failure;
      await pause(transport, backoff());
      continue;
    }
    const { response } = sent;
    if (last || !TRANSIENT_STATUS.has(response.status)) return sent;
    const wait = retryAfter(response.headers.get("retry-after")) ?? backoff();
    if (wait > transport.maxRetryAfterMs || Date.now() + wait >= transport.deadline) return sent;
    await response.body?.cancel();
    await pause(transport, wait);
  }
}

async function followRedirects(transport: Transport, start: URL, init: SendInit): Promise<Sent> {
  let url = start;
  let headers = init.headers;
  for (let hop = 0; ; hop++) {
    const remaining = transport.deadline - Date.now();
    if (remaining <= 0)
      throw new NetworkFailure("timeout", "the overall time limit was reached", transport.totalMs);
    const limit = Math.min(transport.timeoutMs, remaining);
    const timeout = AbortSignal.timeout(limit);
    const signal = transport.signal ? AbortSignal.any([transport.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await transport.fetch(url, { method: init.method, headers, redirect: "manual", signal });
    } catch (error) {
      // Name the limit that was hit: the request's own, or what was left of the whole check.
      if (timeout.aborted && !transport.signal?.aborted) {
        const deadlineHit = limit < transport.timeoutMs;
        throw new NetworkFailure(
          "timeout",
          "no answer in time",
          deadlineHit ? transport.totalMs : transport.timeoutMs,
        );
      }
      throw error;
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || location === null) return { response, url };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new NetworkFailure("redirect", "too many redirects");
    const next = new URL(location, url);
    if (next.protocol !== "https:" && !(next.protocol === "http:" && isLoopbackHost(next.host))) {
      throw new NetworkFailure(
        "redirect",
        `a redirect to ${next.protocol}//${next.host} was refused (not HTTPS)`,
      );
    }
    if (next.origin !== url.origin) headers = withoutAuthorization(headers);
    url = next;
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== "authorization") out[k] = v;
  return out;
}

function errorCode(error: unknown): string | undefined {
  // undici wraps the socket error: TypeError("fetch failed", { cause: Error { code } }), sometimes twice.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

function classify(transport: Transport, error: unknown): unknown {
  if (error instanceof NetworkFailure) return error;
  // A caller's cancellation is not a registry failure: hand its reason back unchanged.
  if (transport.signal?.aborted) return transport.signal.reason;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new NetworkFailure("timeout", "no answer in time", transport.timeoutMs);
  }
  const code = errorCode(error);
  const known = code === undefined ? undefined : REASONS[code];
  if (known) return new NetworkFailure(known[0], known[1], transport.timeoutMs);
  if (code?.startsWith("ERR_TLS") || code?.startsWith("ERR_SSL")) return new NetworkFailure("tls", code);
  return new NetworkFailure("unreachable", code ?? "the request failed");
}

function backoff(): number {
  return 200 + Math.floor(Math.random() * 300);
}

/** Retry-After in milliseconds: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function pause(transport: Transport, ms: number): Promise<void> {
  const wait = Math.max(0, Math.min(ms, transport.deadline - Date.now()));
  return new Promise((resolve, reject) => {
    const signal = transport.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, wait);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Reads a body of at most `limit` bytes; the request's timeout still applies while reading. */
export async function readText(
  transport: Transport,
  response: Response,
  limit = 4 * 1024 * 1024,
): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await response.body?.cancel();
    throw new NetworkFailure("unreachable", `the answer is larger than ${limit} bytes`);
  }
  try {
    const text = await response.text();
    if (text.length > limit)
      throw new NetworkFailure("unreachable", `the answer is larger than ${limit} bytes`);
    return text;
  } catch (error) {
    throw classify(transport, error);
  }
}
