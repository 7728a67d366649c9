/**
 * Adversarial cluster files of a given size (issue 12): every shape that once made `rhx validate`
 * slow, or could. Shared by the bench case (bench/cases/validate-large.mjs) and the size tests
 * (test/config/large-files.test.ts), so both measure the same files. Plain ESM: the bench runs
 * without a build step.
 */

const HEAD = "name: big\nprovider: local\nimage_id: docker:python:3.12-slim\n";

/** Repeats `item(i)` until the text reaches `bytes` (never beyond it). */
function fill(head, bytes, item, tail = "") {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const next = item(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  parts.push(tail);
  return parts.join("");
}

const pad = (i) => String(i).padStart(6, "0");

/** name → (bytes) → file text. Each is valid YAML unless its name says otherwise. */
export const LARGE_SHAPES = {
  /** The report: one unknown key per line, each its own diagnostic. */
  "unknown-keys": (bytes) => fill(HEAD, bytes, (i) => `unknown_${pad(i)}: v\n`),
  /** The same keys inside `docker:` and `server:` (nested paths to locate). */
  "nested-unknown-keys": (bytes) =>
    fill(`${HEAD}server:\n  port: 32300\n`, bytes, (i) => `  unknown_${pad(i)}: v\n`),
  /** Many environment variables, all valid: a big mapping nothing is wrong with. */
  "many-env": (bytes) => fill(`${HEAD}env:\n`, bytes, (i) => `  VAR_${pad(i)}: value-${i}\n`),
  /** Nested as deep as the parser allows, over and over, under an unknown key. */
  "deep-nesting": (bytes) => {
    const depth = 60;
    const one = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    return fill(`${HEAD}deep:\n`, bytes, () => `  - ${one}\n`);
  },
  /** One flow sequence on one line, every element out of range (one error each). */
  "long-flow-sequence": (bytes) =>
    fill(`${HEAD}open_ports: [`, bytes - 2, (i) => `${i ? ", " : ""}70000`, "]\n"),
  /** An anchor on every line, and as many aliases as the loader allows. */
  "many-anchors": (bytes) =>
    fill(`${HEAD}env:\n  FIRST: &a0 v\n`, bytes, (i) =>
      i < 90 ? `  A_${pad(i)}: *a0\n` : `  B_${pad(i)}: &a${i} v\n`,
    ),
  /** One string of (almost) the whole size. */
  "huge-string": (bytes) => `${HEAD}setup:\n  - "${"x".repeat(bytes - HEAD.length - 20)}"\n`,
  /** Unset `${VAR}` references, each a warning under validate. */
  "many-references": (bytes) => fill(`${HEAD}setup:\n`, bytes, (i) => `  - echo \${UNSET_${pad(i)}}\n`),
  /** Many setup steps, all fine. */
  "many-setup-steps": (bytes) => fill(`${HEAD}setup:\n`, bytes, (i) => `  - pip install package-${i}\n`),
  /** Many small clusters, one per YAML document. */
  "many-clusters": (bytes) =>
    fill("", bytes, (i) => `---\nname: c${i}\nprovider: local\nimage_id: docker:python:3.12-slim\n`),
  /** Every key twice: the YAML parser's duplicate check was quadratic. */
  "duplicate-keys": (bytes) => fill(`${HEAD}env:\n`, bytes, (i) => `  VAR_${pad(i >> 1)}: v\n`),
};

export const MIB = 1024 * 1024;
