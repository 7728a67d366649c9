import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Output } from "../../src/ui/output.ts";
import { observeOutput } from "../../src/watch/observe.ts";

function capture() {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  };
}

describe("observeOutput", () => {
  it("sees every event, also without --json, and can hold one or a line back", () => {
    const stdout = capture();
    const stderr = capture();
    const base = new Output({
      json: true,
      color: false,
      verbose: false,
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    const seen: string[] = [];
    const output = observeOutput(
      base,
      (type) => {
        seen.push(type);
        return type !== "hidden";
      },
      (line) => !line.startsWith("quiet"),
    );
    output.event("step-started", { cluster: "a", step: "setup-1", title: "echo hi" });
    output.event("hidden");
    output.text("quiet please");
    output.text("shown");
    expect(seen).toEqual(["step-started", "hidden"]);
    expect(stdout.lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(["step-started"]);
    expect(stderr.lines).toEqual(["shown\n"]);
    expect(output.json).toBe(true);
    expect(output.colors.red("x")).toBe("x");

    const human = observeOutput(
      new Output({ json: false, color: false, verbose: false, stdout: stdout.stream }),
      (t) => {
        seen.push(t);
        return true;
      },
    );
    human.event("step-finished", { cluster: "a", step: "setup-1", durationMs: 1 });
    expect(seen.at(-1)).toBe("step-finished");
  });
});
