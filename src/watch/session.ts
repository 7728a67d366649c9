import type { LoadedCluster } from "../config/cluster.ts";
import { hasErrors } from "../config/diagnostic.ts";
import { loadClusters } from "../config/load.ts";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { type ApplyFlags, type RunContext, type RunSettings, runSettings } from "../pipeline/context.ts";
import { reportError } from "../pipeline/report-error.ts";
import type { EventInput } from "../ui/event-schema.ts";
import type { Output } from "../ui/output.ts";
import { SafeCancel } from "./cancel.ts";
import { type CycleResult, runCycle } from "./cycle.ts";
import { type Burst, createDebouncer, type Debouncer } from "./debounce.ts";
import type { Phase } from "./decide.ts";
import { type FileWatcher, watchFiles } from "./files.ts";
import { displayPath, MAX_WAIT_MS, QUIET_MS } from "./options.ts";
import { askYesNo } from "./prompt.ts";
import { formatStatus, type LastResult, lastResult, pendingPhrase, StatusLine } from "./status.ts";
import { reportStillRunning } from "./stop.ts";

/**
 * The one stateful piece of watch mode.
 * It owns the watcher, the debouncer, the last good config and the apply in flight, and keeps one
 * rule above all: applies run one after another, never two at once for any cluster.
 */
export class WatchSession {
  readonly #ctx: RunContext;
  readonly #files: string[];
  readonly #flags: ApplyFlags;
  readonly #settings: RunSettings;
  readonly #output: Output;
  readonly #status: StatusLine | undefined;
  readonly #debouncer: Debouncer;
  #watcher: FileWatcher | undefined;
  #lastGood: LoadedCluster[] | undefined;
  #last: LastResult | undefined;
  #pending: string[] = [];
  #phase: Phase = "start";
  #dirty: string[] | undefined;
  #cycle = 0;
  #cancel: SafeCancel | undefined;
  #loop: Promise<void> | undefined;
  /** Counts bursts: a check of one save can tell whether a newer one arrived meanwhile. */
  #bursts = 0;
  /** The newest valid config seen, possibly only by a check during an apply (#cancelIfValid). */
  #newestGood: LoadedCluster[] | undefined;
  /** The last apply was cancelled for a newer save: its config is not yet in force. */
  #unfinished: boolean = false;
  /** Clusters the pipeline already reported as still running after Ctrl-C (not to repeat them). */
  readonly #reported = new Set<string>();

  constructor(ctx: RunContext, files: readonly string[], flags: ApplyFlags) {
    this.#ctx = ctx;
    // As every command: no file named means ./cluster.yaml.
    this.#files = files.length > 0 ? [...files] : ["cluster.yaml"];
    this.#flags = flags;
    this.#settings = runSettings(ctx, flags);
    this.#output = ctx.output;
    const human = !ctx.output.json;
    this.#status = human ? new StatusLine(process.stderr, ctx.interactive, ctx.redactor) : undefined;
    this.#debouncer = createDebouncer((burst) => this.#onBurst(burst));
  }

  /** Applies once, then on every change, until Ctrl-C. Resolves with the exit code (130). */
  async run(): Promise<ExitCodeValue> {
    const { signal } = this.#ctx;
    const first = await this.#load();
    this.#watcher = await watchFiles(first.inputs, {
      onChange: (path) => this.#debouncer.push(path),
      onError: (error) => this.#print(() => this.#output.warn(`file watcher: ${error.message}`)),
    });
    const files = this.#watcher.files.map((f) => displayPath(f, this.#ctx.cwd));
    this.#output.event("watch-started", { files, debounceMs: QUIET_MS, maxWaitMs: MAX_WAIT_MS });
    if (!this.#output.json)
      this.#output.text(this.#output.colors.dim(`Watching ${files.join(", ")}. Ctrl-C to stop.`));
    this.#dirty = [];
    this.#kick(first.clusters, first.errors);

    if (!signal.aborted)
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    this.#debouncer.cancel();
    await this.#watcher.close();
    await this.#loop;
    this.#status?.clear();
    const running = await reportStillRunning(
      this.#output,
      this.#settings.driverFor,
      this.#lastGood ?? [],
      this.#reported,
    );
    this.#output.event("watch-stopped", { reason: "interrupted", running });
    if (!this.#output.json) this.#output.text("Stopped watching. Clusters stay up.");
    return ExitCode.Interrupted;
  }

  #onBurst(burst: Burst): void {
    if (this.#ctx.signal.aborted) return;
    const paths = burst.paths.map((p) => displayPath(p, this.#ctx.cwd));
    this.#print(() => {
      this.#output.event("change-detected", { paths, events: burst.events });
      if (!this.#output.json) this.#output.text(`\nchanged: ${paths.join(", ")}`);
    });
    this.#dirty = [...(this.#dirty ?? []), ...paths];
    const seq = ++this.#bursts;
    if (this.#cancel) {
      void this.#cancelIfValid(this.#cancel, seq);
      return;
    }
    this.#kick();
  }

  /**
   * A save during an apply stops it (at its next safe point) only if the new file is valid: an
   * invalid save would otherwise cost the last good config its apply, and nothing would ever finish
   * it. The errors are shown now; the running apply goes on.
   */
  async #cancelIfValid(cancel: SafeCancel, burst: number): Promise<void> {
    let loaded: { clusters: LoadedCluster[]; errors: number };
    try {
      loaded = await this.#load();
    } catch {
      cancel.request(); // Not expected (loading reports, it does not throw): the loop reloads and says why.
      return;
    }
    if (loaded.errors === 0) {
      this.#newestGood = loaded.clusters;
      cancel.request();
      return;
    }
    this.#output.event("config-invalid", { errors: loaded.errors, lastGood: true });
    if (!this.#output.json)
      this.#output.text(this.#output.colors.yellow("The running apply goes on with the last good config."));
    // Shown already: the loop need not load it again, unless a newer save came, or an earlier valid
    // one already stopped the apply (then the loop must run, to apply that one).
    if (burst === this.#bursts && !cancel.requested) this.#dirty = undefined;
  }

  /** Starts the loop unless it runs; it drains every change that arrives while it works. */
  #kick(preloaded?: LoadedCluster[], errors?: number): void {
    if (this.#loop !== undefined) return;
    this.#loop = (async () => {
      let loaded = preloaded === undefined ? undefined : { clusters: preloaded, errors: errors ?? 0 };
      while (this.#dirty !== undefined && !this.#ctx.signal.aborted) {
        const paths = this.#dirty;
        this.#dirty = undefined;
        // Whatever one apply throws, the session outlives it (a watch loop must survive its errors).
        await this.#runOnce(paths, loaded).catch((error: unknown) => {
          this.#cancel = undefined;
          reportError(this.#output, "watch", error);
          this.#last = { kind: "failed", detail: error instanceof Error ? error.message : String(error) };
        });
        loaded = undefined;
      }
      this.#loop = undefined;
      if (!this.#ctx.signal.aborted) this.#showStatus();
    })();
  }

  async #runOnce(paths: string[], preloaded?: { clusters: LoadedCluster[]; errors: number }): Promise<void> {
    this.#status?.clear();
    // Created before the reload: a save that lands while the file is read makes this cycle stop
    // before it acts, and the loop reads the file again.
    const cancel = new SafeCancel();
    this.#cancel = cancel;
    let loaded = preloaded ?? (await this.#load());
    if (cancel.requested) {
      this.#cancel = undefined;
      return;
    }
    if (loaded.errors > 0) {
      this.#last = { kind: "invalid", errors: loaded.errors, lastGood: this.#lastGood !== undefined };
      this.#output.event("config-invalid", { errors: loaded.errors, lastGood: this.#lastGood !== undefined });
      // The apply that a valid save cancelled never finished: apply the newest good config so it does.
      const fallback = this.#unfinished ? (this.#newestGood ?? this.#lastGood) : undefined;
      if (fallback === undefined) {
        this.#cancel = undefined;
        return;
      }
      if (!this.#output.json)
        this.#output.text("The last apply was cancelled before it finished: applying the last good config.");
      loaded = { ...loaded, clusters: fallback, errors: 0 };
    }
    this.#lastGood = loaded.clusters;
    this.#newestGood = loaded.clusters;
    const cycle = ++this.#cycle;
    const trigger = this.#phase === "start" ? "start" : "change";
    const started = performance.now();
    this.#output.event("apply-started", {
      cycle,
      trigger,
      paths,
      clusters: loaded.clusters.map((c) => c.spec.name),
    });
    let result: CycleResult;
    try {
      result = await runCycle({
        clusters: loaded.clusters,
        phase: this.#phase,
        allowReplace: this.#flags.allowReplace || this.#flags.yes,
        ask: this.#ctx.interactive && !this.#output.json ? askYesNo : undefined,
        settings: this.#settings,
        output: this.#output,
        admit: (event) => this.#admit(event),
        cancel,
        interrupt: this.#ctx.signal,
      });
    } finally {
      this.#cancel = undefined;
    }
    const ms = Math.round(performance.now() - started);
    if (result.outcome !== "cancelled" && result.outcome !== "interrupted") this.#phase = "change";
    this.#unfinished = result.outcome === "cancelled";
    this.#pending = result.skipped.map((s) => pendingPhrase(s));
    this.#last = lastResult(result, ms);
    this.#output.event("apply-finished", {
      cycle,
      result: result.outcome,
      exitCode: result.exitCode,
      durationMs: ms,
      applied: result.ran,
      skipped: result.skipped,
      ...(result.failure ? { failure: result.failure } : {}),
    });
    if (result.outcome === "cancelled" && !this.#output.json)
      this.#output.text(this.#output.colors.yellow("Cancelled at a safe point: a newer change arrived."));
  }

  async #load(): Promise<{ clusters: LoadedCluster[]; errors: number; inputs: string[] }> {
    const result = await loadClusters({
      files: this.#files,
      envFiles: this.#ctx.globals.envFiles,
      processEnv: this.#ctx.env,
      unsetVariables: "error",
      cwd: this.#ctx.cwd,
      redactor: this.#ctx.redactor,
    });
    this.#output.diagnostics(result.diagnostics);
    this.#watcher?.update(result.inputs);
    const errors = hasErrors(result.diagnostics)
      ? result.diagnostics.filter((d) => d.severity === "error").length
      : 0;
    return { clusters: result.clusters, errors, inputs: result.inputs };
  }

  /**
   * What a cycle reports passes here. A "still running" of an apply cancelled for a newer change is
   * noise (the next apply goes on with the cluster); one after Ctrl-C is remembered, not repeated.
   */
  #admit(event: EventInput): boolean {
    if (event.type !== "still-running" || event.cluster === undefined) return true;
    if (this.#cancel?.signal.aborted && !this.#ctx.signal.aborted) return false;
    this.#reported.add(event.cluster);
    return true;
  }

  #showStatus(): void {
    const files = (this.#watcher?.files ?? []).map((f) => displayPath(f, this.#ctx.cwd));
    this.#status?.show(formatStatus({ files, last: this.#last, pending: this.#pending }));
  }

  /** Output between applies clears the status line first, so the two never share a line. */
  #print(write: () => void): void {
    this.#status?.clear();
    write();
  }
}
