/**
 * Bad-input fuzzing (issue 8): property tests over the interpolator, the YAML front end, the whole
 * loader and the CLI. Whatever the input (arbitrary text, YAML-shaped text, mutated examples, raw
 * bytes), nothing throws, every run finishes within a time bound, every problem is a located
 * diagnostic with a stable code, and the CLI never prints a stack trace. Runs are bounded and
 * seeded: `RHX_FUZZ_SEED=<n>` replays a run, otherwise a random seed is drawn and printed first, so a
 * failure seen once in CI can be replayed (fast-check also prints the seed and path of a failure).
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { interpolateString } from "../../src/config/interpolate.ts";
import { loadClusters } from "../../src/config/load.ts";
import { parseConfigText } from "../../src/config/parse.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { events, ROOT, runCli, STACK_LINE } from "../helpers/run-cli.ts";
import { fuzzRuns, fuzzSeed } from "./seed.ts";

/** Per-run bound: a property run that takes longer than this counts as a hang. */
const RUN_TIMEOUT_MS = 2_000;

const SEED = fuzzSeed("fuzz");

const runs = (n: number) => ({
  numRuns: fuzzRuns(n),
  timeout: RUN_TIMEOUT_MS,
  seed: SEED,
});

/**
 * Seeds that once found a bug, replayed on every run next to the random one, with the run count
 * they failed at: 297424358 made the env-file property write `A=$constructor`, and dotenv-expand,
 * reading Object.prototype, spun forever (no Ctrl-C, no timeout could stop it).
 */
const ENV_FILE_SEEDS = [
  { seed: SEED, numRuns: fuzzRuns(200) },
  { seed: 297424358, numRuns: 200 },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Generators

const KEYS = [
  "name",
  "provider",
  "instance_type",
  "num_nodes",
  "region",
  "use_spot",
  "image_id",
  "docker",
  "username",
  "password",
  "server",
  "env",
  "setup",
  "runhouse",
  "version",
  "port",
  "open_ports",
  "sky",
  "resources",
  "HF_TOKEN",
];
const VALUES = [
  "demo",
  "aws",
  "local",
  "CPU:2+",
  "A10G",
  "docker:nvcr.io/nvidia/pytorch:23.10-py3",
  "docker:Bad/Name:-x",
  "https://ghcr.io/org",
  "0",
  "-1",
  "70000",
  "true",
  "null",
  "~",
  "1e400",
  "0x1F",
  "2001-12-14",
  "!!binary aGVsbG8=",
  "!!str x",
  "!custom x",
  "${SKYPILOT_DOCKER_PASSWORD}",
  "${X:-${Y:-z}}",
  "${1X}",
  "${",
  "$$",
  "${X:?need it}",
  '"quoted ${X}"',
  "'single'",
  "|",
  ">-",
  "&anchor v",
  "*anchor",
  "<<: *anchor",
  "[1, 2",
  "{a: 1}",
  "日本語",
  "\u0007bell",
  "\uFEFF",
];
const PUNCTUATION = [
  ": ",
  ":",
  "\n",
  "\n  ",
  "\n    ",
  "\t",
  "- ",
  "---\n",
  "...\n",
  "# c\n",
  ", ",
  "? ",
  "\r\n",
];

/** Text that looks like a cluster file closely enough to get past the parser now and then. */
const yamlish = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
      { weight: 4, arbitrary: fc.constantFrom(...PUNCTUATION) },
      { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(""));

/** A line-level mutation of a valid example: the kind of damage an editor does. */
const examples = [
  "examples/ecr-private.yaml",
  "examples/gpu-multinode.yaml",
  "examples/local/cluster.yaml",
].map((path) => readFileSync(join(ROOT, path), "utf8"));
const mutated = fc
  .tuple(
    fc.constantFrom(...examples),
    fc.array(
      fc.tuple(
        fc.constantFrom("delete-char", "insert", "dup-line", "drop-line", "swap-lines", "indent", "tab"),
        fc.nat(),
        fc.nat(),
        fc.oneof(fc.constantFrom(...VALUES, ...PUNCTUATION), fc.string({ maxLength: 3 })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [kind, a, b, insert] of edits) {
      const lines = out.split("\n");
      const i = a % Math.max(1, lines.length);
      const j = b % Math.max(1, lines.length);
      const at = a % Math.max(1, out.length);
      if (kind === "delete-char") out = out.slice(0, at) + out.slice(at + 1);
      else if (kind === "insert") out = out.slice(0, at) + insert + out.slice(at);
      else if (kind === "dup-line") out = [...lines.slice(0, i + 1), ...lines.slice(i)].join("\n");
      else if (kind === "drop-line") out = [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n");
      else if (kind === "swap-lines") {
        const copy = [...lines];
        [copy[i], copy[j]] = [copy[j] ?? "", copy[i] ?? ""];
        out = copy.join("\n");
      } else if (kind === "indent") out = lines.map((l, n) => (n === i ? `  ${l}` : l)).join("\n");
      else out = lines.map((l, n) => (n === i ? `\t${l}` : l)).join("\n");
    }
    return out;
  });

const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 100 }),
  fc.string({ unit: "binary", maxLength: 100 }),
  yamlish,
  mutated,
);

const environment = fc.dictionary(
  fc.constantFrom("X", "Y", "SKYPILOT_DOCKER_PASSWORD", "SKYPILOT_DOCKER_SERVER", "SKYPILOT_DOCKER_USERNAME"),
  fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("", "a: b", "${X}", "ghcr.io", "2", "true")),
);

// ---------------------------------------------------------------------------------------------
// Properties

function expectLocated(diagnostic: {
  code: string;
  severity: string;
  message: string;
  location?: { line: number; column: number } | undefined;
}) {
  expect(diagnostic.code).toMatch(/^RHX_[A-Z0-9_]+$/);
  expect(["error", "warning"]).toContain(diagnostic.severity);
  expect(diagnostic.message.length).toBeGreaterThan(0);
  expect(diagnostic.message.length).toBeLessThan(2000);
  expect(diagnostic.location?.line).toBeGreaterThanOrEqual(1);
  expect(diagnostic.location?.column).toBeGreaterThanOrEqual(1);
}

describe("interpolateString", () => {
  test("never throws, and offsets point inside the text (both dialects)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), yamlish),
        environment,
        fc.constantFrom<"yaml" | "dotenv">("yaml", "dotenv"),
        (text, env, dialect) => {
          // A Map, as the loader uses: a plain object would answer `constructor` from its prototype.
          const variables = new Map(Object.entries(env));
          const result = interpolateString(text, (name) => variables.get(name), dialect);
          expect(typeof result.value).toBe("string");
          for (const problem of result.problems) {
            expect(problem.offset).toBeGreaterThanOrEqual(0);
            expect(problem.offset).toBeLessThan(Math.max(1, text.length));
            expect(text[problem.offset]).toBe("$");
          }
        },
      ),
      runs(2000),
    );
  });

  test("text without `$` is returned as it is", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).filter((s) => !s.includes("$")),
        (text) => {
          expect(interpolateString(text, () => "x")).toEqual({ value: text, used: [], problems: [] });
        },
      ),
      runs(500),
    );
  });

  test("`$$` escapes anything: escaping every `$` gives the text back", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), yamlish), (text) => {
        const result = interpolateString(text.split("$").join("$$"), () => "value");
        expect(result).toEqual({ value: text, used: [], problems: [] });
      }),
      runs(1000),
    );
  });
});

describe("parseConfigText", () => {
  test("never throws; every problem is located", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseConfigText("fuzz.yaml", text);
        for (const d of result.diagnostics) expectLocated(d);
        if (result.diagnostics.every((d) => d.severity !== "error"))
          expect(result.documents.length).toBeGreaterThan(0);
      }),
      runs(1000),
    );
  });
});

describe("loadClusters", () => {
  test("never throws on any text or bytes, with any environment; problems are located diagnostics", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyText.map((t) => Buffer.from(t)),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        ),
        environment,
        fc.constantFrom<"error" | "warning">("error", "warning"),
        async (bytes, env, unset) => {
          const file = `case-${n++}.yaml`;
          await writeFile(join(dir, file), bytes);
          const result = await loadClusters({
            redactor: new Redactor(),
            files: [file],
            cwd: dir,
            processEnv: env,
            unsetVariables: unset,
          });
          for (const d of result.diagnostics) expectLocated(d);
          const errors = result.diagnostics.filter((d) => d.severity === "error");
          if (errors.length === 0) expect(result.clusters.length).toBeGreaterThan(0);
          for (const cluster of result.clusters) expect(typeof cluster.spec.name).toBe("string");
        },
      ),
      runs(300),
    );
  });
});

describe("env files", () => {
  const envLine = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("A", "B", "C", "HF_TOKEN", "export A", " B", "1X", ""),
        fc.constantFrom("=", " = ", ":", "=="),
        fc.oneof(
          fc.constantFrom(
            "${A}",
            "$B$B",
            "${C:-${A}}",
            "'$A'",
            '"${B}\\n"',
            "\\$A",
            "${",
            "}",
            "$$",
            "`x`",
            "#c",
          ),
          fc.string({ maxLength: 12 }),
        ),
      )
      .map(([k, op, v]) => `${k}${op}${v}`),
    fc.string({ maxLength: 20 }),
  );

  let n = 0;
  test.each(ENV_FILE_SEEDS)(
    "never throw or hang, whatever they hold and however they refer to each other (seed $seed)",
    async ({ seed, numRuns }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(envLine, { maxLength: 12 }),
          fc.array(envLine, { maxLength: 6 }),
          async (dotenv, extra) => {
            const sub = join(dir, `env-${n++}`);
            await mkdir(sub);
            await writeFile(
              join(sub, "cluster.yaml"),
              "name: e\nprovider: local\nimage_id: docker:x\nenv:\n  V: ${A:-a}${B:-b}\n",
            );
            await writeFile(join(sub, ".env"), dotenv.join("\n"));
            await writeFile(join(sub, "extra.env"), extra.join("\r\n"));
            const result = await loadClusters({
              redactor: new Redactor(),
              files: ["cluster.yaml"],
              envFiles: ["extra.env"],
              cwd: sub,
              processEnv: { C: "c" },
              unsetVariables: "error",
            });
            for (const d of result.diagnostics) expectLocated(d);
          },
        ),
        { ...runs(numRuns), seed, numRuns },
      );
    },
  );

  /** Every name Object.prototype answers to: none may act as a variable, and none may crash. */
  const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
  const prototypeLine = fc
    .tuple(
      fc.constantFrom(...PROTOTYPE_NAMES, "A", "B"),
      fc.array(
        fc.oneof(
          fc
            .constantFrom(...PROTOTYPE_NAMES)
            .chain((name) =>
              fc.constantFrom(`$${name}`, `\${${name}}`, `\${${name}:-d}`, `\${${name}+x}`, name),
            ),
          fc.constantFrom("$A", "${B}", "x", "$", "\\$"),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([k, parts]) => `${k}=${parts.join("")}`);

  test("Object.prototype names as variables and references neither hang, crash nor resolve", async () => {
    let m = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(prototypeLine, { maxLength: 8 }), async (lines) => {
        const sub = join(dir, `proto-${m++}`);
        await mkdir(sub);
        const references = PROTOTYPE_NAMES.filter((name) => name !== "__proto__")
          .map((name, i) => `  R${i}: "[\${${name}:-unset}]"`)
          .join("\n");
        await writeFile(
          join(sub, "cluster.yaml"),
          `name: e\nprovider: local\nimage_id: docker:x\nenv:\n${references}\n`,
        );
        await writeFile(join(sub, ".env"), lines.join("\n"));
        const result = await loadClusters({
          redactor: new Redactor(),
          files: ["cluster.yaml"],
          cwd: sub,
          processEnv: {},
          unsetVariables: "error",
        });
        for (const d of result.diagnostics) expectLocated(d);
        const env = result.clusters[0]?.spec.env ?? {};
        // Defined by a line of the file, or not at all: never a function's source text.
        for (const value of Object.values(env)) expect(value).not.toContain("native code");
      }),
      runs(150),
    );
  });

  test("warnings about a value never quote any part of it, whatever the variable is called", async () => {
    let m = 0;
    const canary = fc.stringMatching(/^[QXZJV0-9]{1,6}$/);
    const value = fc
      .array(fc.oneof(canary, fc.constantFrom("$", "${", "}", ":-", "\\$", "$A", "${B}", "$$")), {
        minLength: 1,
        maxLength: 8,
      })
      .map((parts) => parts.join(""));
    const name = fc.constantFrom("A", "B", "REG_PASS", "HF_TOKEN", "GREETING", "C_D");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 6 }), async (lines) => {
        const sub = join(dir, `canary-${m++}`);
        await mkdir(sub);
        await writeFile(join(sub, "cluster.yaml"), "name: e\nprovider: local\nimage_id: docker:x\n");
        await writeFile(join(sub, ".env"), lines.map(([k, v]) => `${k}=${v}`).join("\n"));
        const result = await loadClusters({
          redactor: new Redactor(),
          files: ["cluster.yaml"],
          cwd: sub,
          processEnv: {},
          unsetVariables: "error",
        });
        for (const d of result.diagnostics) {
          expectLocated(d);
          expect(`${d.message} ${d.hint ?? ""} ${d.frame ?? ""}`).not.toMatch(
            /[QXZJV][QXZJV0-9]|[0-9][QXZJV]/,
          );
        }
      }),
      runs(200),
    );
  });
});

describe("values never change structure", () => {
  test("whatever a variable holds, it arrives as that one string", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), yamlish), async (value) => {
        const file = `value-${n++}.yaml`;
        await writeFile(
          join(dir, file),
          'name: demo\nprovider: aws\nimage_id: docker:ubuntu\nregion: x\nenv:\n  A: ${V}\n  B: "${V}"\n',
        );
        const result = await loadClusters({
          redactor: new Redactor(),
          files: [file],
          cwd: dir,
          processEnv: { V: value },
          unsetVariables: "error",
        });
        expect(result.diagnostics).toEqual([]);
        expect(result.clusters[0]?.spec.env).toEqual({ A: value, B: value });
      }),
      runs(300),
    );
  });
});

describe("the CLI", () => {
  test("exits 3 when it reports an error and 0 otherwise, prints no stack trace, and its --json output is JSON", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(anyText, environment, fc.boolean(), async (text, env, json) => {
        const file = `cli-${n++}.yaml`;
        await writeFile(join(dir, file), text);
        const result = await runCli(["validate", ...(json ? ["--json"] : []), file], { cwd: dir, env });
        expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
        expect(result.stdout + result.stderr).not.toContain("RHX_INTERNAL");
        // Exit 3 exactly when an error was reported, 0 otherwise: the output decides, not a hedge.
        const errors = json
          ? events(result.stdout).filter((e) => e.type === "diagnostic" && e.severity === "error").length
          : (result.stderr.match(/:\d+:\d+ error RHX_[A-Z0-9_]+\n/g) ?? []).length;
        expect(result.exitCode).toBe(errors > 0 ? 3 : 0);
        if (json) {
          expect(result.stderr).toBe("");
          const lines = events(result.stdout);
          // Past 50 diagnostics the rest are counted in one event; the summary counts them all.
          const omitted = lines.find((e) => e.type === "diagnostics-omitted")?.errors;
          const total = errors + (typeof omitted === "number" ? omitted : 0);
          expect(lines.at(-1)).toMatchObject({ type: "summary", ok: total === 0, errors: total });
        } else {
          expect(result.stdout).toBe("");
        }
      }),
      runs(200),
    );
  });
});
