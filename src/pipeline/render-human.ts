import type { LoadedCluster } from "../config/cluster.ts";
import { type PlanView, renderPlanViews } from "../plan/render-plan.ts";
import { escapeControl, escapeMessage } from "../ui/escape.ts";
import type { EventFieldsOf, EventInput } from "../ui/event-schema.ts";
import type { Output } from "../ui/output.ts";
import { renderError } from "./report-error.ts";

export interface HumanOptions {
  /** One plain line per step event: when no live task tree owns the terminal (CI logs, pipes). */
  lines: boolean;
  /** The clusters of the run, for the address in a "ready" line. */
  clusters: readonly LoadedCluster[];
}

/**
 * The pipeline's events as text on stderr: pre-flight verdicts, the plan, step lines, failures and
 * the closing "ready" lines. An observer like the `--json` writer; prints nothing under `--json`.
 * Plans arrive one event per cluster and are shown as one block (with its summary line) before the
 * next other event, or on `flush()`.
 */
export class HumanRenderer {
  readonly #output: Output;
  readonly #options: HumanOptions;
  readonly #plans: PlanView[] = [];
  /** The run log of each cluster whose step failed, pointed at after its error. */
  readonly #logs = new Map<string, string>();

  constructor(output: Output, options: HumanOptions) {
    this.#output = output;
    this.#options = options;
  }

  readonly observe = (event: EventInput): void => {
    if (this.#output.json) return;
    if (event.type === "plan") {
      this.#plans.push({ ...event, cluster: event.cluster ?? "" });
      return;
    }
    this.flush();
    this.#render(event);
  };

  /** Shows the plans received so far (before a question, or at the end). */
  flush(): void {
    if (this.#plans.length === 0) return;
    this.#output.text(`\n${renderPlanViews(this.#plans, this.#output.colors)}\n`);
    this.#plans.length = 0;
  }

  #render(event: EventInput): void {
    const out = this.#output;
    const { colors } = out;
    const lines = this.#options.lines;
    switch (event.type) {
      case "preflight":
        if (event.status === "pass") return;
        out.text(
          `[${event.cluster}] ${event.status === "fail" ? colors.red("✗") : colors.yellow("!")} ${event.title}: ${escapeMessage(event.message)}${event.code ? ` (${event.code})` : ""}`,
        );
        if (event.hint) out.text(`    ${colors.cyan("hint:")} ${escapeMessage(event.hint)}`);
        return;
      case "lock-taken-over":
        return out.warn(`took over a stale lock on ${event.cluster} (pid ${event.pid} is gone).`);
      case "step-started":
        if (lines) out.text(`[${event.cluster}] ${event.step}: ${escapeControl(event.title)}`);
        return;
      case "step-output":
        if (lines && out.verbose) out.text(`[${event.cluster}] ${event.step} | ${escapeControl(event.line)}`);
        return;
      case "step-finished":
        if (lines) out.text(`[${event.cluster}] ${event.step}: done (${seconds(event.durationMs)})`);
        return;
      case "step-failed":
        if (event.log && event.cluster) this.#logs.set(event.cluster, event.log);
        if (lines)
          out.text(`[${event.cluster}] ${event.step}: failed after ${seconds(event.durationMs)} (${event.code})`);
        return;
      case "error":
        return this.#error(event);
      case "replace-skipped":
        return out.warn(
          `${event.cluster} needs a replace; not applied (save again after passing --allow-replace, or run \`rhx apply --yes\`).`,
        );
      case "still-running":
        return out.text(`${event.cluster} is still running. To tear it down: ${event.teardown}`);
      case "summary":
        return this.#summary(event);
      default:
        return;
    }
  }

  #error(event: EventFieldsOf<"error"> & { type: "error" }): void {
    renderError(this.#output, event);
    const log = event.cluster === undefined ? undefined : this.#logs.get(event.cluster);
    if (log) this.#output.text(`  full output: ${log}`);
  }

  #summary(event: EventFieldsOf<"summary">): void {
    if (event.command !== "apply" || !Array.isArray(event.clusters)) return;
    const { colors } = this.#output;
    for (const entry of event.clusters as { name: string; result: string }[]) {
      const spec = this.#options.clusters.find((c) => c.spec.name === entry.name)?.spec;
      if (entry.result === "unchanged")
        this.#output.text(`${colors.green("✓")} ${entry.name} is up to date; nothing to do.`);
      else if (entry.result === "applied" && spec)
        this.#output.text(
          `${colors.green("✓")} ${entry.name} is ready: Runhouse server on 127.0.0.1:${spec.server.port}${spec.server.health_path} · shell: rhx ssh ${entry.name}`,
        );
    }
  }
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
