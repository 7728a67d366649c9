import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../src/shell/quote.ts";

describe("shellQuote", () => {
  it("leaves words with no special characters bare", () => {
    expect(shellQuote("runhouse==0.0.36")).toBe("runhouse==0.0.36");
    expect(shellQuote("/tmp/a-b_c.d:e,f@g%h+i")).toBe("/tmp/a-b_c.d:e,f@g%h+i");
  });

  it("single-quotes anything else, a quote inside included", () => {
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it.each(["plain", "", "a b", "it's", "$(id) `id` $HOME", "new\nline", "* ? [x] ~ ! # ; & | < > \\"])(
    "a POSIX shell reads %j back as one unchanged word",
    (word) => {
      const echoed = execFileSync("sh", ["-c", `printf %s ${shellQuote(word)}`], { encoding: "utf8" });
      expect(echoed).toBe(word);
    },
  );
});
