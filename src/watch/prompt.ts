import { once } from "node:events";
import { createInterface } from "node:readline";

/**
 * A y/N question that a newer change or Ctrl-C can withdraw. Not readline's terminal mode: in raw
 * mode Ctrl-C reaches readline instead of the process, and the two-stage interrupt would never see
 * it. In cooked mode the terminal turns Ctrl-C into SIGINT as everywhere else in rhx.
 * Resolves undefined when withdrawn.
 */
export async function askYesNo(
  question: string,
  signal: AbortSignal,
  streams: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {},
): Promise<boolean | undefined> {
  if (signal.aborted) return undefined;
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stderr;
  const rl = createInterface({ input, terminal: false });
  output.write(`${question} [y/N] `);
  try {
    const [answer] = (await once(rl, "line", { signal })) as [string];
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    output.write("\n");
    return undefined;
  } finally {
    rl.close();
    // readline resumed stdin; a paused stdin lets the process exit once watching stops.
    input.pause();
  }
}
