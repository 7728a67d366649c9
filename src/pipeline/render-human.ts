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
    const lines = this.#options.lines;
    switch (event.type) {
      case "preflight":
        this.#preflight(event);
        break;
      case "lock-taken-over":
        out.warn(`took over a stale lock on ${event.cluster} (pid ${event.pid} is gone).`);
        break;
      case "step-started":
        if (lines) out.text(`[${event.cluster}] ${event.step}: ${stepTitle(event.title)}`);
        break;
      case "step-output":
        if (lines && out.verbose) out.text(`[${event.cluster}] ${event.step} | ${escapeControl(event.line)}`);
        break;
      case "step-finished":
        if (lines) out.text(`[${event.cluster}] ${event.step}: done (${seconds(event.durationMs)})`);
        break;
      case "step-failed":
        if (event.log && event.cluster) this.#logs.set(event.cluster, event.log);
        if (lines)
          out.text(
            `[${event.cluster}] ${event.step}: failed after ${seconds(event.durationMs)} (${event.code})`,
          );
        break;
      case "error":
        this.#error(event);
        break;
      case "still-running":
        out.text(`${event.cluster} is still running. To tear it down: ${event.teardown}`);
        break;
      case "summary":
        this.#summary(event);
        break;
      default:
        break;
    }
  }

  #preflight(event: EventFieldsOf<"preflight">): void {
    if (event.status === "pass") return;
    const { colors } = this.#output;
    const mark = event.status === "fail" ? colors.red("✗") : colors.yellow("!");
    const code = event.code ? ` (${event.code})` : "";
    this.#output.text(`[${event.cluster}] ${mark} ${event.title}: ${escapeMessage(event.message)}${code}`);
    if (event.hint) this.#output.text(`    ${colors.cyan("hint:")} ${escapeMessage(event.hint)}`);
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

/**
 * A step's title as a person sees it (the line renderer and the live task tree): setup titles are
 * the user's commands verbatim, so their control characters are shown as escapes, never sent.
 */
export function stepTitle(title: string): string {
  return escapeControl(title);
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
