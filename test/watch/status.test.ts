import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/secrets/redactor.ts";
import { DECLINED } from "../../src/watch/decide.ts";
import { formatStatus, lastResult, pendingPhrase, StatusLine } from "../../src/watch/status.ts";

function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: Object.assign(stream, { columns: 40 }), text: () => text };
}

describe("status line", () => {
  it("says what is watched, how the last apply ended, and what waits and why", () => {
    expect(
      formatStatus({
        files: ["cluster.yaml", ".env"],
        last: { kind: "applied", ms: 4210 },
        pending: ["replace of dev (needs --allow-replace)"],
      }),
    ).toBe(
      "watching cluster.yaml, .env · last: applied in 4.2s · pending: replace of dev (needs --allow-replace)",
    );
    expect(
      formatStatus({ files: ["c.yaml"], last: { kind: "invalid", errors: 2, lastGood: true }, pending: [] }),
    ).toBe("watching c.yaml · last: config has 2 errors; the last good config stays in force");
    expect(formatStatus({ files: ["c.yaml"], last: undefined, pending: [] })).toBe("watching c.yaml");
  });

  it("without a terminal: one plain line each time, no carriage return or escape", () => {
    const out = sink();
    const line = new StatusLine(out.stream, false, new Redactor());
    line.show("watching a");
    line.clear();
    line.show("watching a");
    expect(out.text()).toBe("watching a\nwatching a\n");
  });

  it("on a terminal: redrawn in place, cut to the width, cleared before other output", () => {
    const out = sink();
    const line = new StatusLine(out.stream, true, new Redactor());
    line.show("x".repeat(100));
    line.clear();
    line.clear();
    expect(out.text()).toBe(`\r\x1b[2K${"x".repeat(38)}…\r\x1b[2K`);
  });

  it("names what waits and for what", () => {
    expect(pendingPhrase({ cluster: "dev", action: "replace", reason: "a replace destroys ..." })).toBe(
      "replace of dev waits for --allow-replace",
    );
    expect(pendingPhrase({ cluster: "dev", action: "create", reason: DECLINED })).toBe(
      "create of dev declined (save again to be asked again)",
    );
  });

  it("maps how an apply ended to the status line's words", () => {
    const base = { exitCode: 0 as const, ran: [], skipped: [] };
    expect(lastResult({ ...base, outcome: "applied" }, 1200)).toEqual({ kind: "applied", ms: 1200 });
    expect(lastResult({ ...base, outcome: "skipped" }, 5)).toEqual({ kind: "skipped" });
    expect(lastResult({ ...base, outcome: "cancelled" }, 5)).toEqual({ kind: "cancelled" });
    expect(
      lastResult({ ...base, exitCode: 1, outcome: "failed", failure: "dev: RHX_SETUP_FAILED" }, 5),
    ).toEqual({
      kind: "failed",
      detail: "dev: RHX_SETUP_FAILED",
    });
    expect(
      formatStatus({
        files: ["c.yaml"],
        last: { kind: "failed", detail: "dev: RHX_SETUP_FAILED" },
        pending: [],
      }),
    ).toBe("watching c.yaml · last: failed (dev: RHX_SETUP_FAILED)");
  });
});
