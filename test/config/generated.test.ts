/**
 * The precompiled validator (src/config/generated/cluster-validator.ts) is generated from the
 * TypeBox schema. It must be exactly what scripts/gen-validator.ts writes today, and it must judge
 * documents exactly as Ajv compiling the schema at runtime would.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { VALIDATOR_PATH, validatorSource } from "../../scripts/gen-validator.ts";
import { clusterSchema, validate as generated } from "../../src/config/generated/cluster-validator.ts";
import { ClusterSchema, stripSymbols } from "../../src/config/schema.ts";
import { ROOT } from "../helpers/run-cli.ts";

describe("the generated validator", () => {
  test("is current", async () => {
    const checkedIn = await readFile(join(ROOT, VALIDATOR_PATH), "utf8");
    expect(
      checkedIn === validatorSource(),
      `${VALIDATOR_PATH} is stale: run \`npx tsx scripts/gen-validator.ts\` and commit it`,
    ).toBe(true);
  });

  test("carries the schema as plain data, equal to the TypeBox source", () => {
    expect(clusterSchema).toEqual(stripSymbols(ClusterSchema));
  });

  test("gives the same verdicts and errors as Ajv compiling the schema at runtime", async () => {
    const runtime = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(ClusterSchema);
    const check = generated as unknown as { (data: unknown): boolean; errors?: unknown[] | null };
    const documents: unknown[] = [];
    for (const dir of ["examples", "examples/local", "test/fixtures/configs/bad"]) {
      for (const file of (await readdir(join(ROOT, dir))).filter((f) => f.endsWith(".yaml"))) {
        const text = await readFile(join(ROOT, dir, file), "utf8").catch(() => "");
        for (const doc of parseAllDocuments(text) as unknown as {
          errors: unknown[];
          toJS(o: object): unknown;
        }[]) {
          if (doc.errors.length > 0) continue;
          try {
            documents.push(doc.toJS({ maxAliasCount: 100 }));
          } catch {
            // alias bombs are stopped before validation
          }
        }
      }
    }
    documents.push(null, 1, "x", [], {}, { name: 1, provider: [], image_id: {}, extra: true });
    expect(documents.length).toBeGreaterThan(60);
    for (const document of documents) {
      const verdict = check(document);
      expect(verdict).toBe(runtime(document));
      expect(check.errors ?? null).toEqual(runtime.errors ?? null);
    }
  });
});
