import { MAX_WAIT_MS, QUIET_MS } from "./options.ts";

/** The timer functions the debouncer uses; tests pass fake ones. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface DebounceOptions {
  quietMs?: number;
  maxWaitMs?: number;
  timers?: Timers;
}

export interface Burst {
  /** Every path that changed in the burst, each once, in the order first seen. */
  paths: string[];
  /** Events folded into this burst (an editor's save is often 2–4 of them). */
  events: number;
  /** When the first and the last event arrived (ms, the timers' clock). */
  firstAt: number;
  lastAt: number;
}

export interface Debouncer {
  push(path: string): void;
  /** Drops a burst in progress without flushing it (the session is stopping). */
  cancel(): void;
  readonly pending: boolean;
}

/**
 * Folds a burst of file events into one flush: it fires after `quietMs` without a new event, or
 * `maxWaitMs` after the burst's first event even if events keep coming (Tilt's 200 ms / 10 s rule), so
 * a file rewritten in a loop still gets applied instead of starving the session.
 */
export function createDebouncer(onFlush: (burst: Burst) => void, options: DebounceOptions = {}): Debouncer {
  const quietMs = options.quietMs ?? QUIET_MS;
  const maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  const timers = options.timers ?? realTimers;
  let burst: Burst | undefined;
  let paths = new Set<string>();
  let timer: unknown;

  const clear = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  const flush = () => {
    clear();
    const done = burst;
    burst = undefined;
    paths = new Set();
    if (done) onFlush(done);
  };

  return {
    push(path) {
      const now = timers.now();
      if (!burst) burst = { paths: [], events: 0, firstAt: now, lastAt: now };
      burst.events += 1;
      burst.lastAt = now;
      if (!paths.has(path)) {
        paths.add(path);
        burst.paths.push(path);
      }
      clear();
      const untilCap = burst.firstAt + maxWaitMs - now;
      timer = timers.setTimeout(flush, Math.max(0, Math.min(quietMs, untilCap)));
    },
    cancel() {
      clear();
      burst = undefined;
      paths = new Set();
    },
    get pending() {
      return burst !== undefined;
    },
  };
}
