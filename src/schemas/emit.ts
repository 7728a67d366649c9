import { clusterJsonSchema, stripSymbols } from "../config/schema.ts";
import { ClusterStateSchema } from "../state/schema.ts";
import { eventSchema } from "../ui/event-schema.ts";

const DRAFT = "https://json-schema.org/draft/2020-12/schema";

/**
 * Every schema file rhx publishes, path → text. `rhx schema --write` writes them and a test compares
 * them with the checked-in copies, so the published schemas cannot drift from the code.
 */
export function emittedSchemaFiles(): Record<string, string> {
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const cluster = text(clusterJsonSchema());
  return {
    "runhouse.schema.json": cluster,
    "schemas/cluster.schema.json": cluster,
    "schemas/state.schema.json": text({ $schema: DRAFT, ...stripSymbols(ClusterStateSchema) }),
    "schemas/events.schema.json": text(eventSchema()),
  };
}
