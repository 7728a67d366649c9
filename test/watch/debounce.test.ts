import { describe, expect, it } from "vitest";
import { type Burst, createDebouncer, type Timers } from "../../src/watch/debounce.ts";

/** A hand-driven clock: `advance(ms)` runs every timer due by then, in order. */
function fakeTimers() {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => {
      due.delete(handle as number);
    },
    now: () => now,
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!first || first[1].at > end) break;
      due.delete(first[0]);
      now = first[1].at;
      first[1].callback();
    }
    now = end;
  };
  return { timers, advance };
}

describe("debounce", () => {
  it("a burst of saves becomes one flush after the quiet period, with every path once", () => {
    const clock = fakeTimers();
    const flushed: Burst[] = [];
    const debouncer = createDebouncer((b) => flushed.push(b), {
      quietMs: 300,
      maxWaitMs: 10_000,
      timers: clock.timers,
    });
    for (let i = 0; i < 50; i++) {
      debouncer.push(i % 2 === 0 ? "/p/cluster.yaml" : "/p/.env");
      clock.advance(20);
    }
    expect(flushed).toEqual([]);
    expect(debouncer.pending).toBe(true);
    // The last save was at 980 ms and the clock is at 1000: quiet until 1280.
    clock.advance(279);
    expect(flushed).toHaveLength(0);
    clock.advance(1);
    expect(flushed).toEqual([{ paths: ["/p/cluster.yaml", "/p/.env"], events: 50, firstAt: 0, lastAt: 980 }]);
    expect(debouncer.pending).toBe(false);
  });

  it("flushes at the cap even while events keep coming, then starts a new burst", () => {
    const clock = fakeTimers();
    const flushed: Burst[] = [];
    const debouncer = createDebouncer((b) => flushed.push(b), {
      quietMs: 300,
      maxWaitMs: 1_000,
      timers: clock.timers,
    });
    for (let i = 0; i < 30; i++) {
      debouncer.push("/p/cluster.yaml");
      clock.advance(100);
    }
    // 3 s of saves every 100 ms: one flush per second, never starved.
    expect(flushed.map((b) => [b.firstAt, b.lastAt])).toEqual([
      [0, 900],
      [1000, 1900],
      [2000, 2900],
    ]);
    clock.advance(1_000);
    expect(flushed).toHaveLength(3);
  });

  it("separate saves far apart are separate flushes", () => {
    const clock = fakeTimers();
    const flushed: Burst[] = [];
    const debouncer = createDebouncer((b) => flushed.push(b), { timers: clock.timers });
    debouncer.push("/p/cluster.yaml");
    clock.advance(1_000);
    debouncer.push("/p/cluster.yaml");
    clock.advance(1_000);
    expect(flushed).toHaveLength(2);
  });

  it("cancel drops a burst in progress", () => {
    const clock = fakeTimers();
    const flushed: Burst[] = [];
    const debouncer = createDebouncer((b) => flushed.push(b), { timers: clock.timers });
    debouncer.push("/p/cluster.yaml");
    debouncer.cancel();
    clock.advance(20_000);
    expect(flushed).toEqual([]);
  });
});
