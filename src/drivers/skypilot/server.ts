/**
 * Waits for the Runhouse server on the cluster's head node. The check runs on the cluster, as one
 * SkyPilot job that polls `http://127.0.0.1:<port><health_path>` at a fixed interval until
 * `server.health_timeout_secs` — no tunnel, no open port, and one job instead of one per attempt.
 * curl and wget are both in every SkyPilot container (its runtime setup installs them).
 * An answer counts only with an `rh_version` (a 200 can carry an exception, runhouse/health.ts);
 * the body it printed is then judged here, so a server of another version fails by name.
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { judgeHealth, versionMismatchError } from "../../runhouse/health.ts";
import { HEALTH } from "../../runhouse/versions.ts";
import { shellQuote } from "../../shell/quote.ts";
import { describeFailure } from "../exec.ts";
import type { StepOptions } from "../types.ts";
import type { SkyCli } from "./cli.ts";
import { skyExec } from "./exec.ts";
import { onHeadOnly } from "./nodes.ts";

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** Submitting a job and streaming it back costs time on top of the polling itself. */
const JOB_OVERHEAD_MS = 120_000;

export function healthUrl(spec: Pick<ClusterSpec, "server">): string {
  const path = spec.server.health_path.startsWith("/")
    ? spec.server.health_path
    : `/${spec.server.health_path}`;
  return `http://127.0.0.1:${spec.server.port}${path}`;
}

/** Polling goes on while a 2xx has no `rh_version`; the last error names the exception it carried. */
const versionGate = `  if [ "$ok" = 1 ] && ! printf '%s' "$answer" | grep -q '"${HEALTH.versionKey}"'; then
    ok=0
    answer="answered without ${HEALTH.versionKey}: $(printf '%s' "$answer" | grep -o '[A-Z][A-Za-z]*: [^"\\]*' | tail -n 1 | grep . || printf '%s' "$answer" | head -c 200)"
  fi
`;

/** The polling script (POSIX sh); prints one `rhx-health:` verdict line and exits 0 or 1. */
export function healthScript(url: string, budgetSecs: number, intervalMs: number, anyAnswer = false): string {
  const interval = (intervalMs / 1000).toFixed(3).replace(/\.?0+$/, "");
  // Whole seconds (portable `date`): +1 so the budget is never cut short by the start's fraction.
  return `url=${shellQuote(url)}
deadline=$(( $(date +%s) + ${budgetSecs} + 1 ))
attempt=0
while :; do
  attempt=$((attempt + 1))
  if command -v curl >/dev/null 2>&1; then
    answer=$(curl -sS -f -m 5 "$url" 2>&1) && ok=1 || ok=0
  elif command -v wget >/dev/null 2>&1; then
    answer=$(timeout 5 wget -q -O- "$url" 2>&1) && ok=1 || ok=0
  else
    answer=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$url" 2>&1) && ok=1 || ok=0
  fi
${anyAnswer ? "" : versionGate}  if [ "$ok" = 1 ]; then
    echo "rhx-health: $url answered after $attempt attempt(s): $(printf '%s' "$answer" | head -c 200)"
    exit 0
  fi
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep ${interval}
done
echo "rhx-health: no answer from $url within ${budgetSecs}s after $attempt attempt(s); last error: $(printf '%s' "$answer" | tail -n 1 | head -c 300)"
if [ -f "$HOME/.rh/server.log" ]; then
  echo "rhx-health: the end of ~/.rh/server.log:"
  tail -n 20 "$HOME/.rh/server.log"
fi
exit 1`;
}

export async function skyWaitForServer(
  cli: SkyCli,
  spec: Pick<ClusterSpec, "name" | "env" | "docker" | "server" | "runhouse" | "num_nodes">,
  options: StepOptions,
  intervalMs = DEFAULT_POLL_INTERVAL_MS,
): Promise<void> {
  const url = healthUrl(spec);
  const stepBudgetSecs =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Math.floor(options.timeoutMs / 1000);
  const budgetSecs = Math.max(1, Math.min(spec.server.health_timeout_secs, stepBudgetSecs));
  const result = await skyExec(
    cli,
    { ...spec, env: {} },
    // On every node, polling on the head only: a smaller job may land on a worker (nodes.ts).
    onHeadOnly(healthScript(url, budgetSecs, intervalMs, spec.server.health_path !== HEALTH.path)),
    {
      ...options,
      timeoutMs: options.timeoutMs ?? budgetSecs * 1000 + JOB_OVERHEAD_MS,
    },
    { jobName: "rhx-health", numNodes: spec.num_nodes },
  );
  if (result.exitCode === 0) {
    const body = result.tail
      .findLast((line) => line.startsWith("rhx-health: "))
      ?.split(": ")
      .slice(2)
      .join(": ");
    const judged = body === undefined ? undefined : judgeHealth(200, body, spec.runhouse.version);
    if (judged?.mismatch !== undefined && spec.server.health_path === HEALTH.path)
      throw versionMismatchError(spec, url, judged.mismatch);
    return;
  }
  const verdict = result.tail.find((line) => line.startsWith("rhx-health: no answer"));
  throw new RhxError({
    code: "RHX_SERVER_UNHEALTHY",
    message: cli.redactor.redact(
      describeFailure(
        verdict
          ? `The Runhouse server on ${spec.name} did not answer: ${verdict.replace(/^rhx-health: /, "")}`
          : `The health check on ${spec.name} exited with code ${result.exitCode}`,
        result.tail.filter((line) => line !== verdict),
      ),
    ),
    hint: `Look inside with rhx ssh ${spec.name}; raise server.health_timeout_secs if it only needs longer.`,
    exitCode: ExitCode.StepFailed,
  });
}
