/**
 * Waits for the Runhouse server in the container. The container shares the host's network (--net=host),
 * so the health endpoint is on 127.0.0.1 here too. A fixed poll interval, not backoff: readiness is a
 * deadline to meet, and backing off only adds latency to the moment it comes up.
 * Healthy is runhouse/health.ts's verdict, not any 2xx; a server of another version fails at once.
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { type HealthVerdict, judgeHealth, versionMismatchError } from "../../runhouse/health.ts";
import { HEALTH } from "../../runhouse/versions.ts";
import { cancelled, describeFailure } from "../exec.ts";
import type { StepOptions } from "../types.ts";
import type { DockerCli } from "./docker.ts";
import { containerName } from "./names.ts";

export const DEFAULT_POLL_INTERVAL_MS = 300;
const REQUEST_TIMEOUT_MS = 2_000;
const LOG_TAIL_LINES = 20;

export interface WaitOptions {
  intervalMs?: number;
  host?: string;
}

export function healthUrl(spec: Pick<ClusterSpec, "server">, host = "127.0.0.1"): string {
  const path = spec.server.health_path.startsWith("/")
    ? spec.server.health_path
    : `/${spec.server.health_path}`;
  return `http://${host}:${spec.server.port}${path}`;
}

export async function waitForServer(
  cli: DockerCli,
  spec: Pick<ClusterSpec, "name" | "server" | "runhouse">,
  options: StepOptions,
  wait: WaitOptions = {},
): Promise<void> {
  const url = healthUrl(spec, wait.host);
  const budgetMs = Math.min(
    spec.server.health_timeout_secs * 1000,
    options.timeoutMs ?? Number.POSITIVE_INFINITY,
  );
  const deadline = Date.now() + budgetMs;
  const intervalMs = wait.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let lastError = "no answer yet";
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) throw cancelled(`waiting for ${url}`, cli.redactor);
    const requestMs = Math.min(REQUEST_TIMEOUT_MS, Math.max(1, deadline - Date.now()));
    const outcome = await probe(url, options.signal, requestMs, spec);
    if (outcome.healthy) {
      options.onOutput(
        `${url} answered${spec.server.health_path === HEALTH.path ? ` as Runhouse ${outcome.version}` : ""} after ${attempt} attempt${attempt === 1 ? "" : "s"}`,
      );
      return;
    }
    if (outcome.mismatch !== undefined) throw versionMismatchError(spec, url, outcome.mismatch);
    lastError = outcome.detail;
    if (Date.now() + intervalMs >= deadline) break;
    await sleep(intervalMs, options.signal);
  }
  if (options.signal.aborted) throw cancelled(`waiting for ${url}`, cli.redactor);
  const log = await serverLogTail(cli, spec.name);
  throw new RhxError({
    code: "RHX_SERVER_UNHEALTHY",
    message: cli.redactor.redact(
      describeFailure(
        `The Runhouse server did not answer ${url} within ${Math.round(budgetMs / 1000)}s (last error: ${lastError})${log.length > 0 ? "; the end of ~/.rh/server.log" : ""}`,
        log,
      ),
    ),
    hint: `Look inside with rhx ssh ${spec.name}; raise server.health_timeout_secs if it only needs longer.`,
  });
}

async function probe(
  url: string,
  signal: AbortSignal,
  timeoutMs: number,
  spec: Pick<ClusterSpec, "server" | "runhouse">,
): Promise<HealthVerdict> {
  try {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    // A custom health_path is not Runhouse's /check: there, any 2xx is all rhx can know.
    if (spec.server.health_path !== HEALTH.path) {
      await response.body?.cancel();
      return response.ok
        ? { healthy: true, version: spec.runhouse.version }
        : { healthy: false, detail: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    return judgeHealth(response.status, await response.text(), spec.runhouse.version);
  } catch (error) {
    return { healthy: false, detail: describeFetchError(error) };
  }
}

/** undici hides the useful part (ECONNREFUSED, a timeout) in `cause`. */
function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "the request timed out";
    const cause = error.cause as { code?: string; message?: string } | undefined;
    if (cause?.code) return cause.code === "ECONNREFUSED" ? "connection refused" : cause.code;
    return cause?.message ?? error.message;
  }
  return String(error);
}

async function serverLogTail(cli: DockerCli, cluster: string): Promise<string[]> {
  try {
    const result = await cli.run(
      [
        "exec",
        containerName(cluster),
        "/bin/sh",
        "-c",
        `tail -n ${LOG_TAIL_LINES} "$HOME/.rh/server.log" 2>/dev/null`,
      ],
      { timeoutMs: 10_000, engineErrors: false },
    );
    return result.exitCode === 0 && result.stdout !== "" ? result.stdout.split("\n") : [];
  } catch {
    return []; // the log is a courtesy; the health error is the finding
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
