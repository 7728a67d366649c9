/**
 * Issue 12: a password written literally in a file that does not parse must not show in the code
 * frames that quote the file. The value cannot be learnt from a parse there, so frames mask by
 * shape: whatever follows a secret-looking key, on its line and on every line its value could
 * continue on. Each form is run through the built CLI (human and --json); then the frame renderer
 * is fuzzed with literal secrets in random broken YAML.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseConfigText } from "../../src/config/parse.ts";
import { codeFrame, FRAME_MASK } from "../../src/config/source.ts";
import { ensureBuilt, events, runBuiltCli, STACK_LINE } from "../helpers/run-cli.ts";

const CANARY = "Kx7-canary-Lt9Qm2";
const HEAD = "name: leak-test\nprovider: aws\nimage_id: docker:ghcr.io/org/app:1.0\n";

/** Each form ends in a syntax error on the line after the secret, so a frame quotes that line. */
const FORMS: Record<string, string> = {
  "an unclosed flow mapping": `${HEAD}docker: {username: bot, password: ${CANARY}, server: ghcr.io\n`,
  "a flow mapping with the value on the next line": `${HEAD}docker: {username: bot,\n  password:\n  ${CANARY}, server: ghcr.io\n\tbad: x\n`,
  "a >- block scalar": `${HEAD}docker:\n  username: bot\n  password: >-\n    ${CANARY}\n\tserver: ghcr.io\n`,
  "a | block scalar under a secret-looking env name": `${HEAD}env:\n  HF_TOKEN: |\n    ${CANARY}\n\tOTHER: x\n`,
  "an anchor": `${HEAD}docker:\n  username: bot\n  password: &pw ${CANARY}\n\tserver: ghcr.io\n`,
  "an anchor's alias as the password": `${HEAD}creds: &pw ${CANARY}\n\tx: y\ndocker:\n  password: *pw\n`,
  "a !!str tag": `${HEAD}docker:\n  username: bot\n  password: !!str ${CANARY}\n\tserver: ghcr.io\n`,
  "an explicit key": `${HEAD}docker:\n  username: bot\n  ? password\n  : ${CANARY}\n\tserver: ghcr.io\n`,
  "a value on the next line": `${HEAD}docker:\n  username: bot\n  password:\n    ${CANARY}\n\tserver: ghcr.io\n`,
  "a value below its key, not indented": `${HEAD}docker:\n  username: bot\n  password:\n  ${CANARY}\n`,
  "an unclosed quote": `${HEAD}docker:\n  username: bot\n  password: "${CANARY}\n  server: ghcr.io\n`,
  "a quoted key, JSON style": `${HEAD}docker: {"username": "bot", "password":"${CANARY}"\n`,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-frames-"));
  await ensureBuilt();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(Object.entries(FORMS))("a literal password in %s, in a file that does not parse", (_, text) => {
  test.each([false, true])("is masked in every frame of the built CLI (json: %s)", async (json) => {
    const cwd = await mkdtemp(join(dir, "form-"));
    await writeFile(join(cwd, "cluster.yaml"), text);
    const result = await runBuiltCli(["validate", ...(json ? ["--json"] : []), "cluster.yaml"], { cwd });
    expect(result.exitCode).toBe(3);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain(CANARY);
    expect(output).not.toMatch(STACK_LINE);
    // Still a located diagnostic with a frame, and the frame shows where the value was.
    expect(output).toMatch(/cluster\.yaml:\d+:\d+|"line":\d+/);
    expect(output).toContain(FRAME_MASK);
    if (json) {
      expect(result.stderr).toBe("");
      expect(events(result.stdout).some((e) => e.type === "diagnostic" && typeof e.frame === "string")).toBe(
        true,
      );
    }
  });
});

test("references stay readable, and the caret follows the mask", () => {
  const text = `docker:\n  password: \${SKYPILOT_DOCKER_PASSWORD}\n  server: {x: ${CANARY}\nenv:\n  API_KEY: ${CANARY}, 1\n`;
  expect(codeFrame(text, 3, 3)).toContain("password: ${SKYPILOT_DOCKER_PASSWORD}");
  expect(codeFrame(text, 5, 20, 3)).toBe(
    [
      "  4 | env:",
      `> 5 |   API_KEY: ${FRAME_MASK}`,
      `    |            ${"^".repeat(FRAME_MASK.length)}`,
    ].join("\n"),
  );
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: literal secrets, in every form above and nested in random contexts, in random broken
// YAML. No frame of any line, and no diagnostic of the parser, may contain one.

const SEED = Number(process.env.RHX_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.RHX_FUZZ_RUNS ?? 300);

const secretKey = fc.constantFrom(
  "password",
  "Password",
  "HF_TOKEN",
  "db_secret",
  "AWS_ACCESS_KEY",
  '"password"',
);
const canary = fc
  .stringMatching(/^[A-Za-z0-9]{6,14}$/)
  .map((s) => `Cz${s}`)
  .chain((plain) =>
    fc.constantFrom(
      { written: plain, value: plain },
      { written: `"${plain} x"`, value: `${plain} x` },
      { written: `'${plain}'`, value: plain },
    ),
  );

/** A secret as the file writes it: lines at `indent`, the value only in secret positions. */
const secretSnippet = fc
  .tuple(secretKey, canary, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 11 }))
  .map(([key, { written, value }, depth, form]) => {
    const at = "  ".repeat(depth);
    const more = `${at}  `;
    const lines =
      [
        [`${at}${key}: ${written}`],
        [`${at}docker: {username: u, ${key}: ${written}, server: s`],
        [`${at}docker: {username: u,`, `${more}${key}:`, `${more}${written}`],
        [`${at}${key}: >-`, `${more}${value}`],
        [`${at}${key}: |`, `${more}line`, `${more}${value}`],
        [`${at}${key}: &a${depth} ${written}`],
        [`${at}${key}: !!str ${written}`],
        [`${at}? ${key}`, `${at}: ${written}`],
        [`${at}${key}:`, `${more}${written}`],
        [`${at}- ${key}: ${written}`, `${at}  other: x`],
        [`${at}${key}: "${value}`, `${more}and more`],
        [`${at}${key}:`, `${at}${written}`],
      ][form] ?? [];
    return { lines, value };
  });

/** Ordinary lines, and the ways people break YAML. */
const otherLine = fc.constantFrom(
  "name: demo",
  "provider: aws",
  "image_id: docker:x",
  "  username: bot",
  "env:",
  "  HF_HOME: /data",
  "setup:",
  "  - pip install x",
  "\tserver: ghcr.io",
  "open_ports: [1, 2",
  "docker: {",
  "key: 'unterminated",
  'key: "unterminated',
  "  - - [",
  ": no key",
  "? explicit",
  "bad indent:\n   x: 1\n  y: 2",
  "}",
  "]]",
  "---",
  "&anchor",
  "*alias",
  "'",
  "#",
  "",
);

const brokenFile = fc
  .tuple(fc.array(otherLine, { maxLength: 8 }), fc.array(secretSnippet, { minLength: 1, maxLength: 3 }))
  .chain(([others, secrets]) =>
    fc.shuffledSubarray([...others.map((l) => ({ lines: [l], value: undefined })), ...secrets], {
      minLength: others.length + secrets.length,
    }),
  )
  .map((parts) => ({
    text: `${parts.flatMap((p) => p.lines).join("\n")}\n`,
    values: parts.flatMap((p) => (p.value ? [p.value] : [])),
  }));

test("fuzz: no frame of a broken file with literal secrets quotes one (seed printed)", () => {
  console.log(`secret-frames fuzz seed: ${SEED} (replay with RHX_FUZZ_SEED=${SEED})`);
  fc.assert(
    fc.property(brokenFile, fc.integer({ min: 1, max: 40 }), ({ text, values }, column) => {
      const lines = text.split("\n").length;
      const frames: string[] = [];
      for (let line = 1; line <= lines; line++) frames.push(codeFrame(text, line, column, 3));
      const parsed = parseConfigText("fuzz.yaml", text);
      for (const d of parsed.diagnostics) frames.push(JSON.stringify(d));
      for (const frame of frames) for (const value of values) expect(frame).not.toContain(value);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
