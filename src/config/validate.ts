import type { ErrorObject } from "ajv";
import type { Diagnostic } from "./diagnostic.ts";
import { clusterSchema, validate as generatedValidate } from "./generated/cluster-validator.ts";
import { locatePath, type PathSegment, type SourceDocument } from "./source.ts";
import { closest } from "./suggest.ts";

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * Ajv's code for `ClusterSchema`, generated ahead of time (scripts/gen-validator.ts): compiling the
 * schema at startup cost more than everything else `rhx validate` does. A test keeps it current.
 */
const validator = generatedValidate as unknown as ValidateFunction;

/** JSON Schema validation of one document, each error located at its key or value in the file. */
export function validateSchema(source: SourceDocument, value: unknown): Diagnostic[] {
  if (validator(value)) return [];
  const errors = collapse(validator.errors ?? []);
  return errors.map((error) => toDiagnostic(source, error, value));
}

/**
 * anyOf produces one error per branch; the user needs one sentence about the field. Keep one anyOf
 * error per field (the innermost union, whose description is the most specific), and none for a
 * field when a more precise error points inside it (`open_ports[1]` rather than `open_ports`).
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const unions = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const kept = errors.filter((e) => e.keyword === "anyOf" || !unions.has(e.instancePath));
  // Every path some kept error points below, collected once: linear, where asking each anyOf error
  // about every other error was quadratic (a list of 100,000 bad ports).
  const hasInner = new Set<string>();
  for (const e of kept)
    for (let i = e.instancePath.lastIndexOf("/"); i > 0; i = e.instancePath.lastIndexOf("/", i - 1))
      hasInner.add(e.instancePath.slice(0, i));
  if (kept.some((e) => e.instancePath !== "")) hasInner.add("");
  const seen = new Set<string>();
  return kept.filter((e) => {
    if (e.keyword !== "anyOf") return true;
    if (seen.has(e.instancePath)) return false;
    seen.add(e.instancePath);
    return !hasInner.has(e.instancePath);
  });
}

/** One `case` per JSON Schema keyword rhx's schema uses: long because the keywords are many, not deep. */
function toDiagnostic(source: SourceDocument, error: ErrorObject, root: unknown): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const field = path.length === 0 ? "the cluster" : `\`${formatPath(path)}\``;
  const Field = path.length === 0 ? "The cluster" : field;
  const value = valueAt(root, path);
  const schema = parentSchema(error);
  const base = { code: "RHX_CONFIG_SCHEMA" as const, severity: "error" as const };
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      const at = locatePath(source, [...path, key], "key");
      if (path.length === 1 && path[0] === "env")
        return {
          ...base,
          message: `\`${key}\` is not a valid environment variable name.`,
          hint: "Names use letters, digits and '_', and do not start with a digit, e.g. `HF_HOME`.",
          ...at,
        };
      const allowed = Object.keys((schema as { properties?: object }).properties ?? {}).filter(
        (k) => k !== "$schema",
      );
      const suggestion = closest(key, allowed);
      return {
        ...base,
        code: "RHX_CONFIG_UNKNOWN_KEY",
        message: `Unknown key \`${key}\` in ${field}.`,
        hint: suggestion ? `Did you mean \`${suggestion}\`?` : `Allowed keys: ${allowed.join(", ")}.`,
        ...at,
      };
    }
    case "required": {
      const missing = String(error.params.missingProperty);
      return {
        ...base,
        code: "RHX_CONFIG_MISSING_KEY",
        message: `${Field} needs \`${missing}\`.`,
        hint: requiredHints[missing],
        ...locatePath(source, path),
      };
    }
    case "enum": {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const suggestion = typeof value === "string" ? closest(value, allowed) : undefined;
      return {
        ...base,
        message: `${Field} is ${shown(value)}, which is not one of: ${allowed.join(", ")}.`,
        hint: suggestion ? `Did you mean \`${suggestion}\`?` : enumHints[path.join(".")],
        ...locatePath(source, path),
      };
    }
    case "pattern":
      return { ...base, ...patternMessage(path, field, value, schema), ...locatePath(source, path) };
    case "maxLength":
    case "minLength": {
      const limit = Number(error.params.limit);
      const length = typeof value === "string" ? [...value].length : 0;
      const message =
        error.keyword === "minLength"
          ? `${Field} is empty.`
          : `${Field} is ${length} characters long; the limit is ${limit}.`;
      const hint =
        path.join(".") === "name"
          ? "SkyPilot and the clouds take cluster names of at most 63 characters; shorten it."
          : describe(schema);
      return { ...base, message, hint, ...locatePath(source, path) };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum": {
      const bound = { minimum: "at least", maximum: "at most", exclusiveMinimum: "more than" }[error.keyword];
      return {
        ...base,
        message: `${Field} must be ${bound} ${String(error.params.limit)}, not ${shown(value)}.`,
        hint: describe(schema),
        ...locatePath(source, path),
      };
    }
    case "anyOf": {
      const hint = describe(schema);
      const message = hint
        ? `${Field} has the wrong form (${shown(value)}).`
        : `${Field} must be ${expected(schema)}, not ${kindOf(value)}.`;
      return { ...base, message, hint, ...locatePath(source, path) };
    }
    case "type":
      if (path.length === 0)
        return {
          ...base,
          message: `The cluster must be a mapping of keys, not ${kindOf(value)}.`,
          hint: "Write one cluster per document, e.g. `name: my-cluster`, `provider: aws`, `image_id: docker:…`; separate several clusters with `---`.",
          ...locatePath(source, path),
        };
      return {
        ...base,
        message: `${Field} must be ${article(typeName(String(error.params.type)))}, not ${kindOf(value)}.`,
        hint: describe(schema),
        ...locatePath(source, path),
      };
    default:
      return { ...base, message: `${Field} ${error.message ?? "is invalid"}.`, ...locatePath(source, path) };
  }
}

const requiredHints: Record<string, string> = {
  name: "Give the cluster a name, e.g. `name: my-cluster`.",
  provider: "Say where it runs: `provider: local` for this machine's Docker, or a cloud such as `aws`.",
  image_id: "Name the Docker image, e.g. `image_id: docker:nvcr.io/nvidia/pytorch:23.10-py3`.",
};

const enumHints: Record<string, string> = {
  provider:
    "`local` runs on this machine's Docker engine, `cheapest` lets SkyPilot choose, the others are SkyPilot clouds.",
};

function patternMessage(
  path: PathSegment[],
  field: string,
  value: unknown,
  schema: unknown,
): { message: string; hint?: string | undefined } {
  switch (path.join(".")) {
    case "name":
      return {
        message: `The cluster name ${shown(value)} is not a valid cluster name.`,
        hint: "Start with a letter; use lowercase letters, digits and '-' (SkyPilot's rule), e.g. `my-cluster`.",
      };
    case "image_id":
      return {
        message: `\`image_id\` ${shown(value)} does not start with \`docker:\`.`,
        hint: `rhx runs Docker images, written as Runhouse does: \`image_id: docker:${String(value)}\`.`,
      };
    default:
      return { message: `${field} has the wrong form (${shown(value)}).`, hint: describe(schema) };
  }
}

/** The schema an error's keyword belongs to, found by its `schemaPath` in the one source of truth. */
function parentSchema(error: ErrorObject): unknown {
  const segments = error.schemaPath.replace(/^#\//, "").split("/").slice(0, -1);
  let node: unknown = clusterSchema;
  for (const raw of segments) {
    if (raw === "" || node === null || typeof node !== "object") continue;
    const segment = decodeURIComponent(raw.replace(/~1/g, "/").replace(/~0/g, "~"));
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** A value as a short quote: long values (a pasted certificate, a 50 MB line) are cut. */
function shown(value: unknown): string {
  // JSON has no Infinity or NaN (`.inf`, `.nan`): it would print them as `null`.
  const text =
    value === undefined
      ? "nothing"
      : typeof value === "number" && !Number.isFinite(value)
        ? String(value)
        : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function expected(schema: unknown): string {
  const branches = (schema as { anyOf?: { type?: string }[] } | undefined)?.anyOf ?? [];
  const types = [...new Set(branches.map((b) => typeName(b.type ?? "value")))].map(article);
  if (types.length <= 1) return types[0] ?? "another form";
  return `${types.slice(0, -1).join(", ")} or ${types.at(-1)}`;
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
  if (typeof value === "number" && !Number.isFinite(value))
    return Number.isNaN(value) ? "not-a-number (.nan)" : "infinite (.inf)";
  return `${article(typeof value)} (${shown(value)})`;
}

/** `server.port`, `open_ports[1]`: how a person would point at a value in YAML. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
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
