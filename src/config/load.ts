import { resolve } from "node:path";
import { registerSecret } from "../secrets/redactor.ts";
import { type LoadedCluster, normalizeCluster } from "./cluster.ts";
import { checkImageReference, resolveCredentials } from "./credentials.ts";
import type { Diagnostic, Severity } from "./diagnostic.ts";
import { type Environment, envFilesFor, looksSecret, readEnvironment } from "./env.ts";
import { interpolateDocument } from "./interpolate.ts";
import { parseConfigText } from "./parse.ts";
import { readConfigFile } from "./read.ts";
import { runRules } from "./rules.ts";
import type { ClusterFile } from "./schema.ts";
import { locatePath, type PathSegment, type SourceDocument } from "./source.ts";
import { validateSchema } from "./validate.ts";

export interface LoadOptions {
  files: readonly string[];
  envFiles?: readonly string[];
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** `validate` lints without secrets (warning); everything that acts needs them (error). */
  unsetVariables: Severity;
  cwd?: string;
}

export interface LoadResult {
  clusters: LoadedCluster[];
  diagnostics: Diagnostic[];
  /** Every file the clusters depend on: configs, `.env` files, `--env-file`s (for watch mode). */
  inputs: string[];
}

/** file → clusters: read, parse, interpolate, schema, rules, normalise. Never throws for bad input. */
export async function loadClusters(options: LoadOptions): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const processEnv = options.processEnv ?? process.env;
  const envFiles = (options.envFiles ?? []).map((f) => resolve(cwd, f));
  const result: LoadResult = { clusters: [], diagnostics: [], inputs: [] };
  const seen = new Map<string, LoadedCluster>();
  for (const file of options.files) {
    const absolute = resolve(cwd, file);
    const envInputs = envFilesFor(absolute, envFiles);
    result.inputs.push(absolute, ...envInputs.map((e) => e.path).filter((p) => !result.inputs.includes(p)));
    const read = await readConfigFile(file);
    if (!read.ok) {
      result.diagnostics.push(read.diagnostic);
      continue;
    }
    const parsed = parseConfigText(file, read.text);
    result.diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.some((d) => d.severity === "error")) continue;
    const environment = await readEnvironment(envInputs, processEnv);
    result.diagnostics.push(...environment.diagnostics);
    registerEnvironmentSecrets(environment.env);
    for (const source of parsed.documents) {
      const loaded = loadDocument(source, environment.env, options.unsetVariables, result.diagnostics);
      if (!loaded) continue;
      const first = seen.get(loaded.spec.name);
      if (first) {
        result.diagnostics.push({
          code: "RHX_NAME_DUPLICATE",
          severity: "error",
          message: `The cluster name "${loaded.spec.name}" is already used at ${first.location.file}:${first.location.line}.`,
          hint: "Each cluster needs its own name; they name the container and the SkyPilot cluster.",
          ...locatePath(source, ["name"]),
        });
        continue;
      }
      seen.set(loaded.spec.name, loaded);
      result.clusters.push(loaded);
    }
  }
  result.diagnostics.sort(byPosition);
  return result;
}

function loadDocument(
  source: SourceDocument,
  env: Environment,
  unset: Severity,
  diagnostics: Diagnostic[],
): LoadedCluster | undefined {
  const interpolation = interpolateDocument(source, env, unset);
  diagnostics.push(...interpolation.diagnostics);
  for (const value of interpolation.secretValues) registerSecret(value);
  let value: unknown;
  try {
    // Aliases are expanded here; a "billion laughs" document stops at the alias budget.
    value = source.doc.toJS({ maxAliasCount: 100 });
  } catch {
    diagnostics.push({
      code: "RHX_YAML_ALIAS_LIMIT",
      severity: "error",
      message: "The document expands too many YAML aliases.",
      hint: "A cluster file needs few (if any) anchors and aliases; write the values out.",
      ...locatePath(source, []),
    });
    return undefined;
  }
  const within = (paths: PathSegment[][], path: readonly PathSegment[]) =>
    paths.some((p) => p.length <= path.length && p.every((s, i) => s === path[i]));
  const isUnresolved = (path: readonly PathSegment[]) => within(interpolation.unresolved, path);
  const schemaDiagnostics = validateSchema(source, value).filter(
    (d) => !interpolation.unresolved.some((p) => d.location && sameLocation(source, p, d)),
  );
  diagnostics.push(...schemaDiagnostics);
  if (schemaDiagnostics.length > 0) return undefined;
  const cluster = value as ClusterFile;
  const context = {
    source,
    cluster,
    isUnresolved,
    isLiteral: (path: readonly PathSegment[]) => !within(interpolation.interpolated, path),
  };
  const ruleDiagnostics = runRules(context);
  const report = (path: readonly PathSegment[], d: Omit<Diagnostic, "location" | "frame">) => {
    if (!isUnresolved(path)) ruleDiagnostics.push({ ...d, ...locatePath(source, path) });
  };
  const docker = resolveCredentials({ cluster, isUnresolved, report }, env);
  checkImageReference({ cluster, isUnresolved, report }, docker);
  diagnostics.push(...ruleDiagnostics);
  if (ruleDiagnostics.some((d) => d.severity === "error")) return undefined;
  if (interpolation.diagnostics.some((d) => d.severity === "error")) return undefined;
  return {
    spec: normalizeCluster(cluster, docker),
    file: source.file,
    document: source.index,
    location: locatePath(source, ["name"]).location,
    variables: [...interpolation.used],
  };
}

function sameLocation(source: SourceDocument, path: PathSegment[], diagnostic: Diagnostic): boolean {
  const at = locatePath(source, path).location;
  return diagnostic.location?.line === at.line && diagnostic.location.column === at.column;
}

function registerEnvironmentSecrets(env: Environment): void {
  for (const [name, variable] of env) if (looksSecret(name)) registerSecret(variable.value, name);
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  const fa = a.location?.file ?? "";
  const fb = b.location?.file ?? "";
  if (fa !== fb) return 0;
  return (
    (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0)
  );
}
