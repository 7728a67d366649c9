/**
 * Text from a user's file (a setup command, a value) or from a container (its output) can hold
 * characters that drive the terminal: ESC starts a colour or cursor sequence, CR rewinds the line,
 * LF starts a new one, bidi overrides reorder what is shown. Printed raw, a setup line could draw a
 * forged "✓ ready" line. Every human sink shows them as visible escapes instead (`\x1b`, `\r`, `\n`,
 * `\u202e`), which also tells the user exactly what is in their file.
 */

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// C0, DEL, C1; the bidi embeddings, overrides, isolates and marks; the line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of user or container text, safe to print: every control character becomes its escape. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * A message rhx composed that may quote user text: its own line breaks stay (a failed step's output
 * tail is on the lines after the headline), every other control character becomes visible. User
 * text quoted in it should already have gone through `escapeControl`, newlines included.
 */
export function escapeMessage(text: string): string {
  return text
    .split("\n")
    .map((line) => escapeControl(line))
    .join("\n");
}
