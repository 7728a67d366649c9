import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Diagnostic } from "./diagnostic.ts";
import { ClusterSchema } from "./schema.ts";
import { locatePath, type PathSegment, type SourceDocument } from "./source.ts";
import { closest } from "./suggest.ts";

let compiled: ValidateFunction | undefined;

/** Compiled once per process, from the same objects the published schema is emitted from. */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(
    ClusterSchema,
  );
  return compiled;
}

/** JSON Schema validation of one document, each error located at its key or value in the file. */
export function validateSchema(source: SourceDocument, value: unknown): Diagnostic[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = collapse(validate.errors ?? []);
  return errors.map((error) => toDiagnostic(source, error, value));
}

/** anyOf/oneOf produce one error per branch; the user needs one sentence about the field. */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const unions = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === "anyOf" || !unions.has(e.instancePath));
}

function toDiagnostic(source: SourceDocument, error: ErrorObject, root: unknown): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const field = path.length === 0 ? "the cluster" : `\`${path.join(".")}\``;
  const base = { code: "RHX_CONFIG_SCHEMA", severity: "error" as const };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const suggestion = closest(
        key,
        allowed.filter((k) => k !== "$schema"),
      );
      return {
        ...base,
        code: "RHX_CONFIG_UNKNOWN_KEY",
        message: `Unknown key \`${key}\` in ${path.length === 0 ? "the cluster" : field}.`,
        hint: suggestion
          ? `Did you mean \`${suggestion}\`?`
          : `Allowed keys: ${allowed.filter((k) => k !== "$schema").join(", ")}.`,
        ...locatePath(source, [...path, key], "key"),
      };
    }
    case "required": {
      const missing = String(error.params.missingProperty);
      return {
        ...base,
        code: "RHX_CONFIG_MISSING_KEY",
        message: `${path.length === 0 ? "The cluster" : field} needs \`${missing}\`.`,
        hint: requiredHints[missing],
        ...locatePath(source, path),
      };
    }
    case "enum": {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const actual = valueAt(root, path);
      const suggestion = typeof actual === "string" ? closest(actual, allowed) : undefined;
      return {
        ...base,
        message: `${field} is ${JSON.stringify(actual)}, which is not one of: ${allowed.join(", ")}.`,
        hint: suggestion ? `Did you mean \`${suggestion}\`?` : undefined,
        ...locatePath(source, path),
      };
    }
    case "pattern":
      return { ...base, ...patternMessage(path, field, valueAt(root, path)), ...locatePath(source, path) };
    case "anyOf":
      return {
        ...base,
        message: `${field} has the wrong form (${JSON.stringify(valueAt(root, path))}).`,
        hint: describe(error.parentSchema),
        ...locatePath(source, path),
      };
    case "type":
      return {
        ...base,
        message: `${field} must be ${article(typeName(String(error.params.type)))}, not ${kindOf(valueAt(root, path))}.`,
        hint: describe(error.parentSchema),
        ...locatePath(source, path),
      };
    default:
      return { ...base, message: `${field} ${error.message ?? "is invalid"}.`, ...locatePath(source, path) };
  }
}

const requiredHints: Record<string, string> = {
  name: "Give the cluster a name, e.g. `name: my-cluster`.",
  provider: "Say where it runs: `provider: local` for this machine's Docker, or a cloud such as `aws`.",
  image_id: "Name the Docker image, e.g. `image_id: docker:nvcr.io/nvidia/pytorch:23.10-py3`.",
};

function patternMessage(
  path: PathSegment[],
  field: string,
  value: unknown,
): { message: string; hint?: string | undefined } {
  const shown = JSON.stringify(value);
  switch (path.join(".")) {
    case "name":
      return {
        message: `The cluster name ${shown} is not a valid cluster name.`,
        hint: "Start with a letter; use lowercase letters, digits and '-' (SkyPilot's rule), e.g. `my-cluster`.",
      };
    case "image_id":
      return {
        message: `\`image_id\` ${shown} does not start with \`docker:\`.`,
        hint: `rhx runs Docker images, written as Runhouse does: \`image_id: docker:${String(value)}\`.`,
      };
    default:
      return { message: `${field} has the wrong form (${shown}).`, hint: describe(undefined) };
  }
}

function describe(schema: unknown): string | undefined {
  const s = schema as { description?: string; examples?: unknown[] } | undefined;
  if (!s?.description) return undefined;
  const example = s.examples?.[0];
  return example === undefined ? s.description : `${s.description} Example: ${JSON.stringify(example)}.`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** YAML words, not JSON Schema's: a YAML user writes lists and mappings. */
function typeName(type: string): string {
  return (
    ({ array: "list", object: "mapping", integer: "whole number" } as Record<string, string>)[type] ?? type
  );
}

function kindOf(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${article(typeof value)} (${JSON.stringify(value)})`;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
