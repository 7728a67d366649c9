import { existsSync, readFileSync, rmSync } from "node:fs";
import { Ajv2020 as Ajv } from "ajv/dist/2020.js";
import { eventSchema } from "../src/ui/event-schema.ts";

/**
 * Every `--json` event the suite causes (in-process or in child processes) is appended to the tap
 * file named by RHX_EVENTS_TAP (set in vitest.config.ts). After the run, each one must validate
 * against the published event schema: the stream cannot drift from what scripts rely on.
 */
export default function setup(): () => void {
  const tap = process.env.RHX_EVENTS_TAP;
  if (tap) rmSync(tap, { force: true });
  return () => {
    if (!tap || !existsSync(tap)) return;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(eventSchema());
    const lines = readFileSync(tap, "utf8").split("\n").filter(Boolean);
    const bad: string[] = [];
    for (const line of lines) {
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        bad.push(`not JSON: ${line.slice(0, 200)}`);
        continue;
      }
      if (!validate(event))
        bad.push(`${line.slice(0, 300)}\n    ${JSON.stringify(validate.errors?.slice(0, 3))}`);
    }
    rmSync(tap, { force: true });
    if (bad.length > 0) {
      throw new Error(
        `${bad.length} of ${lines.length} --json events do not match schemas/events.schema.json:\n${bad.slice(0, 20).join("\n")}`,
      );
    }
    process.stderr.write(`event schema: ${lines.length} events validated\n`);
  };
}
