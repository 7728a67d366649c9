import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatStatus, StatusLine } from "../../src/watch/status.ts";

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
    const line = new StatusLine(out.stream, false);
    line.show("watching a");
    line.clear();
    line.show("watching a");
    expect(out.text()).toBe("watching a\nwatching a\n");
  });

  it("on a terminal: redrawn in place, cut to the width, cleared before other output", () => {
    const out = sink();
    const line = new StatusLine(out.stream, true);
    line.show("x".repeat(100));
    line.clear();
    line.clear();
    expect(out.text()).toBe(`\r\x1b[2K${"x".repeat(38)}…\r\x1b[2K`);
  });
});
