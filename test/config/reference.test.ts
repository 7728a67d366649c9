import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { REFERENCE_PATH, renderConfigReference } from "../../scripts/gen-config-reference.ts";
import { clusterJsonSchema } from "../../src/config/schema.ts";
import { ROOT } from "../helpers/run-cli.ts";

test("docs/config-reference.md is what the schema generates", async () => {
  const checkedIn = await readFile(join(ROOT, REFERENCE_PATH), "utf8");
  expect(
    checkedIn === renderConfigReference(),
    `${REFERENCE_PATH} is stale: run \`npx tsx scripts/gen-config-reference.ts\` and commit it`,
  ).toBe(true);
});

test("it has a row for every key, nested ones included", () => {
  const page = renderConfigReference();
  const schema = clusterJsonSchema() as { properties: Record<string, { properties?: object }> };
  for (const [key, property] of Object.entries(schema.properties)) {
    if (key === "$schema") continue;
    expect(page).toContain(`| \`${key}\` |`);
    for (const nested of Object.keys(property.properties ?? {}))
      expect(page).toContain(`| \`${key}.${nested}\` |`);
  }
});

test("it reflects a change to the schema (the page is generated, not written)", () => {
  const schema = clusterJsonSchema() as { properties: Record<string, Record<string, unknown>> };
  schema.properties.region = { ...schema.properties.region, description: "Changed | on purpose." };
  expect(renderConfigReference(schema)).toContain("| Changed \\| on purpose. |");
});
