import { describe, expect, test } from "vitest";
import { interpolateString, MAX_VALUE_LENGTH } from "../../src/config/interpolate.ts";

const env: Record<string, string> = { USER: "ada", EMPTY: "", HOST: "ghcr.io", DEEP: "${USER}" };
const lookup = (name: string) => env[name];
const value = (text: string) => interpolateString(text, lookup).value;

describe("interpolateString", () => {
  test.each([
    ["plain text", "plain text"],
    ["${USER}", "ada"],
    ["pre-${USER}-post", "pre-ada-post"],
    ["${USER}${HOST}", "adaghcr.io"],
    // `:-` replaces unset and empty; `-` only unset.
    ["${MISSING:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${USER:-dflt}", "ada"],
    ["${MISSING-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["${MISSING:-}", ""],
    // Defaults nest, and are interpolated themselves.
    ["${MISSING:-${HOST}}", "ghcr.io"],
    ["${A:-${B:-${USER}}}", "ada"],
    ["${A:-x-${B:-y}-z}", "x-y-z"],
    // `$$` is a literal `$`; a lone `$` stays.
    ["$$", "$"],
    ["$${USER}", "${USER}"],
    ["cost: $5", "cost: $5"],
    ["$", "$"],
    ["a$$b$$c", "a$b$c"],
    // A value is never interpolated twice: ${DEEP} is the text "${USER}".
    ["${DEEP}", "${USER}"],
    // Values never add structure: this stays one string.
    ["${HOST}: {a: [1]}", "ghcr.io: {a: [1]}"],
  ])("%s → %s", (text, expected) => {
    const result = interpolateString(text, lookup);
    expect(result.value).toBe(expected);
    expect(result.problems).toEqual([]);
  });

  test("`:?` and `?` require a value, with the user's message", () => {
    expect(interpolateString("${USER:?who}", lookup)).toEqual({ value: "ada", used: ["USER"], problems: [] });
    expect(interpolateString("${EMPTY?set it}", lookup).problems).toEqual([]);
    expect(interpolateString("x ${EMPTY:?set it}", lookup).problems).toEqual([
      { kind: "required", name: "EMPTY", message: "set it", offset: 2 },
    ]);
    expect(interpolateString("${MISSING?}", lookup).problems).toEqual([
      { kind: "required", name: "MISSING", offset: 0 },
    ]);
  });

  test("an unset variable is a problem at its offset, and expands to nothing", () => {
    expect(interpolateString("a ${NOPE} b", lookup)).toEqual({
      value: "a  b",
      used: [],
      problems: [{ kind: "unset", name: "NOPE", offset: 2 }],
    });
  });

  test.each([
    ["${1X}", "`${1X}` is not a variable name"],
    ["${}", "`${}` is not a variable name"],
    ["${ USER}", "`${ USER}` is not a variable name"],
    ["${USER:+x}", "`${USER:+x}` has an unknown operator; use :-, -, :? or ?"],
    ["${USER.name}", "`${USER.name}` has an unknown operator; use :-, -, :? or ?"],
    ["${USER", "`${` is never closed"],
    ["ok ${A:-${B}", "`${` is never closed"],
  ])("bad syntax %s", (text, message) => {
    const problems = interpolateString(text, lookup).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: "syntax", message });
  });

  test("records the variables whose values were used (defaults only when they were taken)", () => {
    expect(interpolateString("${USER} ${MISSING:-${HOST}} ${EMPTY-x}", lookup).used).toEqual([
      "USER",
      "HOST",
      "EMPTY",
    ]);
    expect(interpolateString("${USER:-${HOST}}", lookup).used).toEqual(["USER"]);
  });

  test("problems inside a default are reported at the outer `${`", () => {
    expect(interpolateString("ab${A:-${NOPE}}", lookup).problems).toEqual([
      { kind: "unset", name: "NOPE", offset: 2 },
    ]);
  });

  test("lookup sees exactly the names written", () => {
    const asked: string[] = [];
    interpolateString("${a_B9} ${_X:-${Y}}", (name) => {
      asked.push(name);
      return undefined;
    });
    expect(asked).toEqual(["a_B9", "_X", "Y"]);
  });

  test("long and odd inputs stay linear", () => {
    const text = `${"$".repeat(10_001)}{USER}${"x".repeat(100_000)}`;
    const started = Date.now();
    expect(value(text).length).toBeGreaterThan(100_000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("the dotenv dialect (env files)", () => {
  const dotenv = (text: string) => interpolateString(text, lookup, "dotenv");
  test.each([
    ["$USER", "ada"],
    ["$USER-$HOST", "ada-ghcr.io"],
    ["${USER}", "ada"],
    ["\\$USER", "$USER"],
    ["$$USER", "$ada"],
    ["$", "$"],
    ["$5", "$5"],
    ["a\\b", "a\\b"],
    ["${USER:+set}", "set"],
    ["${EMPTY:+set}", ""],
    ["${EMPTY+set}", "set"],
    ["${MISSING+set}", ""],
    ["${MISSING:-$USER}", "ada"],
    ["$DEEP", "${USER}"],
  ])("%s → %s", (text, expected) => {
    expect(dotenv(text)).toMatchObject({ value: expected, problems: [] });
  });

  test("a bare unset name is a problem at its `$`", () => {
    expect(dotenv("ab$NOPE")).toEqual({
      value: "ab",
      used: [],
      problems: [{ kind: "unset", name: "NOPE", offset: 2 }],
    });
  });

  test("prototype names are looked up like any other: through the function, never an object", () => {
    const asked: string[] = [];
    const result = interpolateString(
      "$constructor ${__proto__} ${toString:-d}",
      (name) => {
        asked.push(name);
        return undefined;
      },
      "dotenv",
    );
    expect(asked).toEqual(["constructor", "__proto__", "toString"]);
    expect(result.value).toBe("  d");
  });

  test("what substitution adds is bounded; what was written is not", () => {
    const big = (name: string) => (name === "BIG" ? "x".repeat(100_000) : undefined);
    const grown = interpolateString("${BIG}${BIG}", big);
    expect(grown.value.length).toBe(MAX_VALUE_LENGTH);
    expect(grown.problems).toEqual([{ kind: "too-long", name: "", offset: 0 }]);
    const written = "y".repeat(MAX_VALUE_LENGTH + 10);
    expect(interpolateString(`${written}$$`, big)).toEqual({ value: `${written}$`, used: [], problems: [] });
  });
});
