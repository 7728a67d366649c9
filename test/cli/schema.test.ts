/**
 * The published schema is generated from src/config/schema.ts and must never drift from it:
 * `rhx schema --write` writes the files, and these tests fail when the checked-in copies differ,
 * when a property lacks a description or examples (what an editor shows on hover), or when an
 * example file does not validate against the published JSON.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { SCHEMA_ID } from "../../src/config/schema.ts";
import { emittedSchemaFiles } from "../../src/schemas/emit.ts";
import { ROOT, runCli } from "../helpers/run-cli.ts";

const files = emittedSchemaFiles();
const cluster = JSON.parse(String(files["runhouse.schema.json"])) as Record<string, unknown>;
const REGENERATE = "run `npm run schema` (or `npx tsx src/cli/bin.ts schema --write`) and commit the result";

describe("rhx schema", () => {
  test("prints the cluster schema on stdout", async () => {
    const result = await runCli(["schema"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(files["runhouse.schema.json"]);
  });

  test("--write writes every emitted file under the working directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rhx-schema-"));
    try {
      const result = await runCli(["schema", "--write"], { cwd: dir });
      expect(result.exitCode).toBe(0);
      for (const [path, text] of Object.entries(files)) {
        expect(await readFile(join(dir, path), "utf8")).toBe(text);
        expect(result.stderr).toMatch(new RegExp(`create +${path.replace(/\./g, "\\.")}\n`));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("rhx schema --write replaces only the files rhx generated", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-schema-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a second run lists every file as unchanged and rewrites none", async () => {
    await runCli(["schema", "--write"], { cwd: dir });
    const again = await runCli(["schema", "--write"], { cwd: dir });
    expect(again.exitCode).toBe(0);
    for (const path of Object.keys(files)) expect(again.stderr).toMatch(new RegExp(`unchanged +${path}`));
    expect(again.stderr).toContain("0 created, 0 updated, 4 unchanged.");
  });

  test("an older file rhx generated (same $id) is listed as updated and rewritten", async () => {
    const old = { ...cluster, description: "an older description" };
    await writeFile(join(dir, "runhouse.schema.json"), JSON.stringify(old));
    const result = await runCli(["schema", "--write"], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/update +runhouse\.schema\.json/);
    expect(await readFile(join(dir, "runhouse.schema.json"), "utf8")).toBe(files["runhouse.schema.json"]);
  });

  const FOREIGN: [string, (dir: string) => Promise<void>, string][] = [
    [
      "a user's own file at runhouse.schema.json",
      (d) => writeFile(join(d, "runhouse.schema.json"), '{"$id": "https://example.com/mine.json"}'),
      "runhouse.schema.json: not a schema rhx generated",
    ],
    [
      "a file that is not JSON",
      (d) => writeFile(join(d, "runhouse.schema.json"), "my notes\n"),
      "not a schema rhx generated",
    ],
    [
      "a symbolic link at runhouse.schema.json",
      async (d) => {
        await writeFile(join(d, "target.json"), files["runhouse.schema.json"] as string);
        await symlink(join(d, "target.json"), join(d, "runhouse.schema.json"));
      },
      "runhouse.schema.json: a symbolic link",
    ],
    [
      "a dangling link",
      (d) => symlink(join(d, "nowhere.json"), join(d, "runhouse.schema.json")),
      "a symbolic link",
    ],
    [
      "schemas/ as a link to another directory",
      async (d) => {
        await mkdir(join(d, "elsewhere"));
        await symlink(join(d, "elsewhere"), join(d, "schemas"));
      },
      "schemas/cluster.schema.json: a symbolic link",
    ],
    [
      "a directory where a file goes",
      (d) => mkdir(join(d, "runhouse.schema.json")),
      "runhouse.schema.json: not a regular file",
    ],
    [
      "schemas as a plain file",
      (d) => writeFile(join(d, "schemas"), "x"),
      "schemas/cluster.schema.json: not a regular file",
    ],
  ];
  test.each(FOREIGN)(
    "%s: refused (exit 64), listed, and nothing at all is written",
    async (_what, make, says) => {
      await make(dir);
      const before = await snapshotDir(dir);
      const result = await runCli(["schema", "--write"], { cwd: dir });
      expect(result.exitCode, result.stderr).toBe(64);
      expect(result.stderr).toContain("RHX_SCHEMA_WRITE_REFUSED");
      expect(result.stderr).toContain(says);
      expect(result.stderr).toContain("nothing was written");
      expect(await snapshotDir(dir)).toEqual(before);
    },
  );
});

/** Every path under dir with its content (or link target): what a refused write must leave alone. */
async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path] = entry.isFile() ? await readFile(path, "utf8") : entry.isSymbolicLink() ? "link" : "dir";
  }
  return out;
}

describe("the checked-in schema files", () => {
  test.each(["runhouse.schema.json", "schemas/cluster.schema.json"])("%s is current", async (path) => {
    const checkedIn = await readFile(join(ROOT, path), "utf8");
    expect(checkedIn === files[path], `${path} is stale: ${REGENERATE}`).toBe(true);
  });

  test("every other emitted schema that is checked in is current too", async () => {
    const compared: string[] = [];
    const stale: string[] = [];
    for (const [path, text] of Object.entries(files)) {
      const checkedIn = await readFile(join(ROOT, path), "utf8").catch(() => undefined);
      if (checkedIn === undefined) continue;
      compared.push(path);
      if (checkedIn !== text) stale.push(path);
    }
    expect(stale, REGENERATE).toEqual([]);
    expect(compared).toContain("schemas/cluster.schema.json");
  });

  test("is draft 2020-12 with a stable $id", () => {
    expect(cluster.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(cluster.$id).toBe(SCHEMA_ID);
    expect(files["schemas/cluster.schema.json"]).toBe(files["runhouse.schema.json"]);
  });

  test("every property, at every depth, has a description and examples that validate", () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    const missing: string[] = [];
    const invalid: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string) => {
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, property] of Object.entries(properties ?? {})) {
        const at = path ? `${path}.${key}` : key;
        if (typeof property.description !== "string" || property.description.length < 10)
          missing.push(`${at}: description`);
        const examples = property.examples;
        if (!Array.isArray(examples) || examples.length === 0) missing.push(`${at}: examples`);
        else {
          const { $schema: _, ...subschema } = property;
          const validate = ajv.compile(subschema);
          for (const example of examples)
            if (!validate(example)) invalid.push(`${at}: ${JSON.stringify(example)}`);
        }
        walk(property, at);
      }
    };
    walk(cluster, "");
    expect(missing).toEqual([]);
    expect(invalid).toEqual([]);
    // Every field of the documented cluster file is there.
    expect(Object.keys(cluster.properties as object)).toEqual(
      expect.arrayContaining([
        "name",
        "provider",
        "instance_type",
        "num_nodes",
        "region",
        "zone",
        "use_spot",
        "memory",
        "disk_size",
        "autostop_mins",
        "open_ports",
        "image_id",
        "docker",
        "env",
        "setup",
        "runhouse",
        "server",
        "sky",
      ]),
    );
  });

  test("is strict: unknown keys are errors at every level", () => {
    const objects: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string) => {
      // Records (`sky.resources`) are open on purpose: they are passed through to SkyPilot.
      const isRecord = schema.patternProperties !== undefined;
      if (schema.type === "object" && schema.additionalProperties !== false && !isRecord)
        objects.push(path || "(root)");
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, property] of Object.entries(properties ?? {}))
        walk(property, path ? `${path}.${key}` : key);
    };
    walk(cluster, "");
    expect(objects).toEqual([]);
  });
});

describe("the example files", () => {
  test("validate against the published JSON Schema, with Ajv's draft 2020-12 validator", async () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(cluster);
    const paths = [
      ...(await readdir(join(ROOT, "examples")))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => `examples/${f}`),
      "examples/local/cluster.yaml",
    ];
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const path of paths) {
      for (const doc of parseAllDocuments(await readFile(join(ROOT, path), "utf8")) as unknown as {
        toJS(): unknown;
      }[]) {
        const value = doc.toJS();
        expect(validate(value), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });
});
