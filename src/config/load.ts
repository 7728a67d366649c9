import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { MIN_MASKED_LENGTH, type Redactor } from "../secrets/redactor.ts";
import { type DockerCredentials, type LoadedCluster, normalizeCluster } from "./cluster.ts";
import { coerceInterpolated } from "./coerce.ts";
import { checkImageReference, DOCKER_ENV, resolveCredentials } from "./credentials.ts";
import type { Diagnostic, Severity } from "./diagnostic.ts";
import { type Environment, envFilesFor, looksSecret, readEnvironment } from "./env.ts";
import { literalSecretsInText } from "./file-secrets.ts";
import { clusterSchema } from "./generated/cluster-validator.ts";
import { HostPorts } from "./host-ports.ts";
import { type DocumentInterpolation, interpolateDocument } from "./interpolate.ts";
import { parseConfigText } from "./parse.ts";
import { readConfigFile } from "./read.ts";
import { runRules } from "./rules.ts";
import type { ClusterFile } from "./schema.ts";
import { locatePath, locationOf, type PathSegment, type SourceDocument } from "./source.ts";
import { validateSchema } from "./validate.ts";

export interface LoadOptions {
  files: readonly string[];
  envFiles?: readonly string[];
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** `validate` lints without secrets (warning); everything that acts needs them (error). */
  unsetVariables: Severity;
  cwd?: string;
  /**
   * The run's redactor: every secret the files and environment hold is registered in it before
   * anything can print them. The process-wide one stands in for callers not yet given the run's.
   */
  redactor: Redactor;
}

export interface LoadResult {
  clusters: LoadedCluster[];
  diagnostics: Diagnostic[];
  /** Every file the clusters depend on: configs, `.env` files, `--env-file`s (for watch mode). */
  inputs: string[];
}

/** Aliases a document may expand; a "billion laughs" document stops here instead of eating memory. */
const MAX_ALIAS_COUNT = 100;

/** file → clusters: read, parse, interpolate, schema, rules, normalise. Never throws for bad input. */
export async function loadClusters(options: LoadOptions): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const processEnv = options.processEnv ?? process.env;
  const { redactor } = options;
  const result: LoadResult = { clusters: [], diagnostics: [], inputs: [] };
  const seen = new Map<string, LoadedCluster>();
  const given = new Map<string, string>();
  const ports = new HostPorts();
  for (const file of options.files) {
    // `a.yaml ./a.yaml` (or a symlink, or a hard link) is one file: read it once, and say so, since
    // a repeated path is often a typo for another file. Refusing would fail a harmless command line;
    // reading it twice made its clusters duplicates of themselves.
    const identity = await fileIdentity(file, cwd);
    const first = given.get(identity);
    if (first !== undefined) {
      result.diagnostics.push({
        code: "RHX_CONFIG_REPEATED",
        severity: "warning",
        message: `${file} is ${first === file ? "given twice" : `the same file as ${first}`}; it is read once.`,
        hint: "Remove the repeated path (or correct it, if another file was meant).",
        location: { file, line: 1, column: 1 },
      });
      continue;
    }
    given.set(identity, file);
    const absolute = resolve(cwd, file);
    const envInputs = envFilesFor(file, options.envFiles ?? [], cwd);
    for (const input of [absolute, ...envInputs.map((e) => e.path)])
      if (!result.inputs.includes(input)) result.inputs.push(input);
    const read = await readConfigFile(file, cwd);
    if (!read.ok) {
      result.diagnostics.push(read.diagnostic);
      continue;
    }
    // Before anything can quote the file (a code frame of a syntax error), so it cannot be printed.
    for (const value of literalSecretsInText(read.text)) redactor.register(value);
    const parsed = parseConfigText(file, read.text);
    result.diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.some((d) => d.severity === "error")) continue;
    const environment = await readEnvironment(envInputs, processEnv);
    result.diagnostics.push(...environment.diagnostics);
    // Mask every secret-looking value in reach, used or not; warn only about the ones used.
    for (const [name, variable] of environment.env) if (looksSecret(name)) redactor.register(variable.value);
    for (const source of parsed.documents) {
      const document = loadDocument(source, environment.env, options.unsetVariables, {
        diagnostics: result.diagnostics,
        redactor,
      });
      if (!document) continue;
      const loaded = document.cluster;
      // A name that could not be interpolated (validate without secrets) is nobody's duplicate.
      const first = document.nameKnown ? seen.get(loaded.spec.name) : undefined;
      if (first) {
        result.diagnostics.push({
          code: "RHX_NAME_DUPLICATE",
          severity: "error",
          message: `The cluster name "${loaded.spec.name}" is already used at ${first.location.file}:${first.location.line}:${first.location.column}.`,
          hint: "Each cluster needs its own name; it names the container and the SkyPilot cluster.",
          ...locatePath(source, ["name"]),
        });
        continue;
      }
      const clash = ports.claim(loaded, source, document.portKnown);
      if (clash) {
        result.diagnostics.push(clash);
        continue;
      }
      if (document.nameKnown) seen.set(loaded.spec.name, loaded);
      result.clusters.push(loaded);
    }
  }
  result.diagnostics = sortByPosition(unique(result.diagnostics));
  return result;
}

function loadDocument(
  source: SourceDocument,
  env: Environment,
  unset: Severity,
  sinks: { diagnostics: Diagnostic[]; redactor: Redactor },
): { cluster: LoadedCluster; nameKnown: boolean; portKnown: boolean } | undefined {
  const { diagnostics, redactor } = sinks;
  const interpolation = interpolateDocument(source, env, unset);
  diagnostics.push(...interpolation.diagnostics);
  const secrets = new SecretCheck(source, diagnostics, redactor);
  for (const [name, path] of interpolation.used)
    if (looksSecret(name)) secrets.check(env.get(name)?.value, name, path);
  let value: unknown;
  try {
    value = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    diagnostics.push({
      code: "RHX_YAML_ALIAS_LIMIT",
      severity: "error",
      message: `The document expands more than ${MAX_ALIAS_COUNT} YAML aliases.`,
      hint: "A cluster file needs few (if any) anchors and aliases; write the values out.",
      ...locatePath(source, []),
    });
    return undefined;
  }
  registerSecretFields(value, redactor);
  coerceInterpolated(value, interpolation.plain, clusterSchema);
  const unresolved = prefixLookup(interpolation.unresolved);
  const interpolated = prefixLookup(interpolation.interpolated);
  const isUnresolved = (path: readonly PathSegment[]) => unresolved(path);
  // An error about a value that could not be interpolated only repeats the interpolation problem
  // (`provider: ${PROVIDER}` unset is "" and not a provider): leave it out, and let the rules run
  // on the rest; they skip unresolved paths. The document itself is never such a value.
  const schemaDiagnostics = withoutUnresolved(
    source,
    validateSchema(source, value),
    interpolation.unresolved,
  );
  diagnostics.push(...schemaDiagnostics);
  if (schemaDiagnostics.length > 0 || !isMapping(value)) return undefined;
  const cluster = value as ClusterFile;
  const isLiteral = (path: readonly PathSegment[]) => !interpolated(path);
  for (const [key, entry] of Object.entries(cluster.env ?? {}))
    if (looksSecret(key) && typeof entry === "string" && isLiteral(["env", key]))
      secrets.check(entry, key, ["env", key]);
  const ruleDiagnostics = runRules({ source, cluster, isUnresolved, isLiteral });
  const report = (path: readonly PathSegment[], d: Omit<Diagnostic, "location" | "frame">) => {
    if (!isUnresolved(path)) ruleDiagnostics.push({ ...d, ...locatePath(source, path) });
  };
  const docker = resolveCredentials({ cluster, isUnresolved, report }, env);
  if (docker) checkPassword(secrets, docker, interpolation, env);
  checkImageReference({ cluster, isUnresolved, report }, docker);
  diagnostics.push(...ruleDiagnostics);
  if (ruleDiagnostics.some((d) => d.severity === "error")) return undefined;
  if (interpolation.diagnostics.some((d) => d.severity === "error")) return undefined;
  return {
    cluster: {
      spec: normalizeCluster(cluster, docker),
      file: source.file,
      document: source.index,
      location: locationOf(source, ["name"]),
      variables: [...interpolation.used.keys()],
    },
    nameKnown: !isUnresolved(["name"]),
    portKnown: !isUnresolved(["server", "port"]) && !isUnresolved(["provider"]),
  };
}

/**
 * Secret fields are secrets whatever variable filled them (`password: ${REG_PASS}`): register them
 * before validation, whose messages may quote a value that happens to be the same.
 */
function registerSecretFields(value: unknown, redactor: Redactor): void {
  if (!isMapping(value)) return;
  const docker = value.docker;
  if (isMapping(docker) && typeof docker.password === "string") redactor.register(docker.password);
  const env = value.env;
  if (isMapping(env))
    for (const [key, entry] of Object.entries(env))
      if (looksSecret(key) && typeof entry === "string") redactor.register(entry);
}

/** The registry password is a secret wherever it came from; warn once if it is too short to mask. */
function checkPassword(
  secrets: SecretCheck,
  docker: DockerCredentials,
  interpolation: DocumentInterpolation,
  env: Environment,
): void {
  if (docker.source === "environment") {
    secrets.check(docker.password, DOCKER_ENV.password, ["image_id"]);
    return;
  }
  const viaSecretVariable = [...interpolation.used.keys()].some(
    (name) => looksSecret(name) && env.get(name)?.value === docker.password,
  );
  if (!viaSecretVariable) secrets.check(docker.password, "docker.password", ["docker", "password"]);
}

/** Registers secret values with the redactor; one too short to mask gets a warning, by name. */
class SecretCheck {
  readonly #warned = new Set<string>();
  constructor(
    readonly source: SourceDocument,
    readonly diagnostics: Diagnostic[],
    readonly redactor: Redactor,
  ) {}

  check(value: string | undefined, name: string, path: readonly PathSegment[]): void {
    if (value === undefined || value === "" || this.redactor.register(value) || this.#warned.has(name))
      return;
    this.#warned.add(name);
    this.diagnostics.push({
      code: "RHX_SECRET_TOO_SHORT",
      severity: "warning",
      message: `${name} is shorter than ${MIN_MASKED_LENGTH} characters, too short for rhx to mask in its output.`,
      hint: "Use a longer secret: rhx hides secrets by value, and masking a value this short would mangle everything it prints.",
      ...locatePath(this.source, path),
    });
  }
}

/** Device and inode when the file exists (spellings, symlinks and hard links agree), else its path. */
async function fileIdentity(file: string, cwd: string): Promise<string> {
  const path = resolve(cwd, file);
  return stat(path).then(
    (info) => `inode:${info.dev}:${info.ino}`,
    () => `path:${path}`,
  );
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether a path lies within one of `paths` (equal to one, or below it), by looking up each of its
 * prefixes: one check per path segment, not one per listed path (a file with 40,000 `${VAR}`s).
 */
function prefixLookup(paths: readonly (readonly PathSegment[])[]): (path: readonly PathSegment[]) => boolean {
  if (paths.length === 0) return () => false;
  const keys = new Set(paths.map((p) => JSON.stringify(p)));
  return (path) => {
    for (let n = 0; n <= path.length; n++) if (keys.has(JSON.stringify(path.slice(0, n)))) return true;
    return false;
  };
}

/** Drops diagnostics located exactly where an unresolved value is (located once each, not per diagnostic). */
function withoutUnresolved(
  source: SourceDocument,
  diagnostics: Diagnostic[],
  unresolved: readonly PathSegment[][],
): Diagnostic[] {
  if (diagnostics.length === 0 || unresolved.length === 0) return diagnostics;
  const at = new Set<string>();
  for (const path of unresolved) {
    if (path.length === 0) continue;
    const { line, column } = locationOf(source, path);
    at.add(`${line}:${column}`);
  }
  return diagnostics.filter((d) => !d.location || !at.has(`${d.location.line}:${d.location.column}`));
}

/** A missing --env-file is found once per config file; say it once. */
function unique(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.code, d.severity, d.message, d.location]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Files in the order they were given; within a file, by line and column. Stable otherwise. */
function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  const fileOrder = new Map<string, number>();
  for (const d of diagnostics) {
    const file = d.location?.file ?? "";
    if (!fileOrder.has(file)) fileOrder.set(file, fileOrder.size);
  }
  return diagnostics
    .map((d, index) => ({ d, index }))
    .sort(
      (a, b) =>
        (fileOrder.get(a.d.location?.file ?? "") ?? 0) - (fileOrder.get(b.d.location?.file ?? "") ?? 0) ||
        (a.d.location?.line ?? 0) - (b.d.location?.line ?? 0) ||
        (a.d.location?.column ?? 0) - (b.d.location?.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ d }) => d);
}
