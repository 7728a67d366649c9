import { clusterJsonSchema } from "../config/schema.ts";

/**
 * Every schema file rhx publishes, path → text. `rhx schema --write` writes them and a test compares
 * them with the checked-in copies, so the published schemas cannot drift from the code.
 */
export function emittedSchemaFiles(): Record<string, string> {
  const cluster = `${JSON.stringify(clusterJsonSchema(), null, 2)}\n`;
  return {
    "runhouse.schema.json": cluster,
    "schemas/cluster.schema.json": cluster,
  };
}
