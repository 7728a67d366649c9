/**
 * Issue 12, env part: `.env` files are expanded by rhx's own interpolator over Maps. dotenv-expand,
 * which did it before, read its variables from plain objects, so every Object.prototype member was a
 * "variable": `A=$constructor` spun forever (past Ctrl-C), `toString=x` crashed. Each
 * Object.prototype name is a case here, as a variable, as a reference and as a YAML key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadClusters } from "../../src/config/load.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { BUILT_BIN, ensureBuilt, runCli, STACK_LINE } from "../helpers/run-cli.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-env-input-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `constructor`, `__proto__`, `hasOwnProperty`, `valueOf`, `toString`, `__defineGetter__`, … */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

const header = "name: demo\nprovider: local\nimage_id: docker:ubuntu:22.04\n";

async function load(
  files: { yaml?: string; dotenv?: string; extra?: string },
  processEnv: Record<string, string> = {},
) {
  await writeFile(join(dir, "cluster.yaml"), files.yaml ?? `${header}env:\n  WHO: "\${WHO}"\n`);
  if (files.dotenv !== undefined) await writeFile(join(dir, ".env"), files.dotenv);
  if (files.extra !== undefined) await writeFile(join(dir, "extra.env"), files.extra);
  return loadClusters({
    redactor: new Redactor(),
    files: ["cluster.yaml"],
    ...(files.extra !== undefined ? { envFiles: ["extra.env"] } : {}),
    cwd: dir,
    processEnv,
    unsetVariables: "error",
  });
}

test("the names tested are Object.prototype's own, all of them", () => {
  expect(PROTOTYPE_NAMES).toEqual(
    expect.arrayContaining([
      "constructor",
      "__proto__",
      "hasOwnProperty",
      "isPrototypeOf",
      "propertyIsEnumerable",
      "toString",
      "toLocaleString",
      "valueOf",
      "__defineGetter__",
      "__defineSetter__",
      "__lookupGetter__",
      "__lookupSetter__",
    ]),
  );
});

describe("the lines from the report", () => {
  test("`A=$constructor` finishes (it hung rhx past SIGINT and SIGTERM), in a real process", async () => {
    await ensureBuilt();
    await writeFile(join(dir, "cluster.yaml"), `${header}env:\n  A: \${A}\n`);
    await writeFile(join(dir, ".env"), "A=$constructor\nB=${constructor}x\n");
    // SIGKILL: a spinning rhx ignored SIGTERM, which is what made it a hang and not a slow run.
    const result = await execa(process.execPath, ["--", BUILT_BIN, "validate", "cluster.yaml"], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: "1" },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(".env:1:3 warning RHX_ENV_FILE_REFERENCE");
    expect(result.stderr).toContain(".env:2:3 warning RHX_ENV_FILE_REFERENCE");
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 60_000);

  test.each([
    ["valueOf=", { valueOf: "" }],
    ["toString=x", { toString: "x" }],
    ["A=${valueOf}", { A: "" }],
    ["A=$constructor", { A: "" }],
    ["A=${hasOwnProperty:-d}", { A: "d" }],
    ["A=${__proto__}", { A: "" }],
  ])("`%s` is an ordinary line, not RHX_INTERNAL", async (line, expected) => {
    const references = Object.keys(expected)
      .map((name) => `  ${name}: "[\${${name}}]"`)
      .join("\n");
    const result = await load({ yaml: `${header}env:\n${references}\n`, dotenv: `${line}\n` });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.clusters[0]?.spec.env).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, `[${v}]`])),
    );
    const cli = await runCli(["validate", "cluster.yaml"], { cwd: dir });
    expect(cli.exitCode).toBe(0);
    expect(cli.stderr).not.toContain("RHX_INTERNAL");
    expect(cli.stderr).not.toMatch(STACK_LINE);
  });
});

describe.each(PROTOTYPE_NAMES)("Object.prototype's %s", (name) => {
  test("as a variable in .env: it is set to what the line says, like any name", async () => {
    const result = await load({ yaml: `${header}env:\n  R: "[\${${name}}]"\n`, dotenv: `${name}=val-1\n` });
    if (name === "__proto__") {
      // dotenv assigns into a plain object, where `__proto__=` sets nothing: say so at the line.
      expect(result.diagnostics.map((d) => [d.code, d.location?.line])).toEqual([
        ["RHX_ENV_FILE_NAME", 1],
        ["RHX_ENV_UNSET", 5],
      ]);
      return;
    }
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters[0]?.spec.env).toEqual({ R: "[val-1]" });
  });

  test("as a reference in .env, set nowhere: empty, with a warning naming only the line's variable", async () => {
    const result = await load({
      dotenv: `WHO=[$${name}][\${${name}}][\${${name}:-d}][\${${name}:+alt}]\n`,
    });
    expect(result.clusters[0]?.spec.env.WHO).toBe("[][][d][]");
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        "RHX_ENV_FILE_REFERENCE",
        "warning",
        "WHO has a `$` reference to a variable that is not set, so that part of its value is empty.",
      ],
    ]);
  });

  test("as a reference in the YAML: unset (never a function's text), or the value the environment has", async () => {
    const yaml = `${header}env:\n  R: "[\${${name}}]"\n`;
    const unset = await load({ yaml });
    expect(unset.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["RHX_ENV_UNSET", `${name} is not set.`],
    ]);
    const set = await load({ yaml }, Object.fromEntries([[name, "from-process"]]));
    expect(set.diagnostics).toEqual([]);
    expect(set.clusters[0]?.spec.env).toEqual({ R: "[from-process]" });
  });

  test("as a key under `env:` it is an ordinary variable name, kept as an own key", async () => {
    for (const yaml of [`${header}env:\n  ${name}: x\n  B: y\n`, `${header}env: {${name}: x, B: y}\n`]) {
      const result = await load({ yaml });
      expect(result.diagnostics).toEqual([]);
      const env = result.clusters[0]?.spec.env ?? {};
      expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
      expect(Object.entries(env)).toEqual([
        [name, "x"],
        ["B", "y"],
      ]);
    }
  });

  test("as a key of the cluster, `docker` or `server` it is an unknown key, located (exit 3)", async () => {
    for (const [yaml, line] of [
      [`${header}${name}: x\n`, 4],
      [`${header}server:\n  ${name}: {port: 1}\n`, 5],
      [`${header}docker:\n  username: u\n  ${name}: x\n`, 6],
    ] as const) {
      const result = await load({ yaml });
      expect(result.clusters).toEqual([]);
      expect(result.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column])).toContainEqual([
        "RHX_CONFIG_UNKNOWN_KEY",
        line,
        line === 4 ? 1 : 3,
      ]);
      await writeFile(join(dir, "cluster.yaml"), yaml);
      const cli = await runCli(["validate", "cluster.yaml"], { cwd: dir });
      expect(cli.exitCode).toBe(3);
      expect(cli.stderr).toContain(`cluster.yaml:${line}:`);
      expect(cli.stderr).not.toContain("RHX_INTERNAL");
    }
  });
});

describe("expansion keeps what .env files could do with dotenv-expand", () => {
  test.each([
    ["bare $NAME", "BASE=b\nWHO=$BASE\n", {}, "b"],
    ["braced", "BASE=b\nWHO=${BASE}-x\n", {}, "b-x"],
    [
      "a bare name ends at the first character a name cannot have",
      "BASE=b\nWHO=$BASE.$BASE/x\n",
      {},
      "b.b/x",
    ],
    [":- for unset", "WHO=${NOPE:-dflt}\n", {}, "dflt"],
    [":- for empty", "E=\nWHO=${E:-dflt}\n", {}, "dflt"],
    ["- only for unset, as in the YAML", "E=\nWHO=[${E-dflt}]\n", {}, "[]"],
    ["defaults nest and expand", "D=deep\nWHO=${NOPE:-${ALSO:-$D}}\n", {}, "deep"],
    [":+ when set", "S=1\nWHO=${S:+alt}\n", {}, "alt"],
    [":+ when unset", "WHO=[${S:+alt}]\n", {}, "[]"],
    ["\\$ is a literal $", "BASE=b\nWHO=\\$BASE\n", {}, "$BASE"],
    ["a $ before no name stays", "WHO=cost $5 {x} $\n", {}, "cost $5 {x} $"],
    ["$$ is not an escape in .env", "B=x\nWHO=$$B\n", {}, "$x"],
    ["single quotes are stripped by dotenv, then expanded", "B=x\nWHO='$B'\n", {}, "x"],
    ["the process wins over the file, in references too", "BASE=file\nWHO=$BASE\n", { BASE: "p" }, "p"],
    [
      "the process's own values are never expanded again",
      "WHO=$X\n",
      { X: "$HOME ${HOME}" },
      "$HOME ${HOME}",
    ],
    ["nor are earlier lines'", "X=\\$B\nB=no\nWHO=$X\n", {}, "$B"],
    ["extending a process variable", "WHO=$P:/x\n", { P: "/a" }, "/a:/x"],
    ["an empty process value is a value", "WHO=[$E]\n", { E: "" }, "[]"],
  ])("%s", async (_, dotenv, processEnv, expected) => {
    const result = await load({ dotenv }, processEnv);
    expect(result.diagnostics).toEqual([]);
    expect(result.clusters[0]?.spec.env.WHO).toBe(expected);
  });

  test("a later file sees the earlier one; a line sees only the lines above it", async () => {
    const result = await load({ dotenv: "BASE=b\n", extra: "WHO=${BASE}${LATER}\nLATER=l\n" });
    expect(result.clusters[0]?.spec.env.WHO).toBe("b");
    expect(result.diagnostics.map((d) => [d.location?.file, d.location?.line, d.hint])).toEqual([
      ["extra.env", 1, "Move line 2 above line 1."],
    ]);
  });
});

describe("warnings name variables, never values", () => {
  // A password that happens to contain a `$`; REG_PASS does not look secret by its name.
  const CANARY = "Xy7$CANARYfrag9";
  const fragments = ["Xy7", "CANARY", "frag9", "CANARYfrag9", "ARYfr"];

  test.each(["REG_PASS", "GREETING", "A"])(
    "%s=<a value with `$` in it>: the warning quotes no part of it",
    async (name) => {
      await writeFile(join(dir, "cluster.yaml"), `${header}env:\n  WHO: \${${name}}\n`);
      await writeFile(join(dir, ".env"), `${name}=${CANARY}\n`);
      for (const json of [false, true]) {
        const cli = await runCli(["validate", ...(json ? ["--json"] : []), "cluster.yaml"], { cwd: dir });
        const output = cli.stdout + cli.stderr;
        expect(cli.exitCode).toBe(0);
        expect(output).toContain("RHX_ENV_FILE_REFERENCE");
        expect(output).toContain(`${name} has a \`$\` reference to a variable that is not set`);
        for (const fragment of fragments) expect(output).not.toContain(fragment);
      }
    },
  );

  test("a forward reference is named by its line, not by the text after the `$`", async () => {
    const result = await load({ dotenv: `REG_PASS=Xy7$CANARYfrag9\nCANARYfrag9=z\nWHO=w\n` });
    expect(result.diagnostics.map((d) => [d.location?.line, d.location?.column, d.message, d.hint])).toEqual([
      [
        1,
        13,
        "REG_PASS refers to the variable set on line 2 of .env, further down; env files expand in order, so that part of REG_PASS is empty.",
        "Move line 2 above line 1.",
      ],
    ]);
  });

  test.each([
    ["an unknown operator", "A=x${B:=CANARYfrag9}"],
    ["no name", "A=x${CANARYfrag9"],
    ["a required variable with a message", "A=x${B:?CANARYfrag9}"],
    ["many references", "A=$CANARYfrag9 $CANARYfrag9 ${CANARYfrag9} ${CANARY:-${frag9}}"],
  ])("%s", async (_, line) => {
    const result = await load({ dotenv: `${line}\nWHO=w\n` });
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.length).toBeLessThanOrEqual(2);
    for (const d of result.diagnostics) {
      expect(d.location).toMatchObject({ file: ".env", line: 1 });
      expect(JSON.stringify(d)).not.toContain("CANARY");
      expect(JSON.stringify(d)).not.toContain("frag9");
    }
  });
});

describe("values that grow without bound", () => {
  test("lines that each repeat the one above stop at 128 KiB with a located error, at once", async () => {
    const repeat = (name: string) => `$${name}`.repeat(100);
    const dotenv = [
      "WHO=w",
      "A=0123456789",
      `B=${repeat("A")}`,
      `C=${repeat("B")}`,
      `D=${repeat("C")}`,
      `E=${repeat("D")}`,
      `F=${repeat("E")}`,
    ].join("\n");
    const started = Date.now();
    const result = await load({ dotenv });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.location?.line])).toEqual([
      ["RHX_ENV_FILE_TOO_LONG", "error", 5],
      ["RHX_ENV_FILE_TOO_LONG", "error", 6],
      ["RHX_ENV_FILE_TOO_LONG", "error", 7],
    ]);
  });

  test.each([
    ["plain text between `$`s", "x$".repeat(150_000)],
    ["unset references", "$a".repeat(150_000)],
    ["braced references", "${a}".repeat(100_000)],
    ["escapes", "\\$x".repeat(100_000)],
    ["unclosed braces", "${".repeat(200_000)],
  ])("a long line of %s takes linear time", async (_, value) => {
    const started = Date.now();
    const result = await load({ dotenv: `WHO=w\nLONG=${value}\n` });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.diagnostics.length).toBeLessThanOrEqual(1);
  });

  test("a YAML value repeating a long variable stops at 128 KiB with a located error", async () => {
    const yaml = `${header}env:\n  WHO: "${"${BIG}".repeat(50)}"\n`;
    const result = await load({ yaml }, { BIG: "x".repeat(10_000) });
    expect(result.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column])).toEqual([
      ["RHX_INTERPOLATION_TOO_LONG", 5, 9],
    ]);
    await writeFile(join(dir, "cluster.yaml"), yaml);
    const cli = await runCli(["validate", "cluster.yaml"], { cwd: dir, env: { BIG: "x".repeat(10_000) } });
    expect(cli.exitCode).toBe(3);
  });
});
