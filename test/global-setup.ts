import { Ajv2020 as Ajv } from "ajv/dist/2020.js";
import { eventSchema } from "../src/ui/event-schema.ts";

/**
 * Once before the suite: the event schema the test helpers validate every `--json` line against
 * (test/helpers/run-cli.ts) must itself compile, or each of those checks would fail for that reason.
 */
export default function setup(): void {
  new Ajv({ allErrors: true, strict: false }).compile(eventSchema());
}
