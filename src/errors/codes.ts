/**
 * Every code rhx reports: thrown errors, configuration diagnostics, pre-flight check answers and
 * warnings. Codes are an API (users search for them, `--json` consumers branch on them): an entry is
 * never renamed or removed once published. docs/errors.md is generated from this table
 * (`npm run errors`), and a test proves that every `RHX_…` literal in src/ is here.
 */
import type { YAMLError } from "yaml";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/**
 * How a code reaches the user. `error`: thrown, it ends the command (or one cluster's apply).
 * `diagnostic`: found in a file, reported at its line with the others of that file. `check`: a
 * pre-flight check's answer. `warning`: reported, but never changes the exit code.
 */
export type CodeKind = "error" | "diagnostic" | "check" | "warning";

/**
 * Codes one module answers with as a closed set, which its types name: the registry check's answers
 * (registry/errors.ts) and the classified `sky` failures (drivers/skypilot/classify-failure.ts).
 */
export type CodeFamily = "registry-check" | "sky-failure";

export interface CodeSpec {
  /** The exit code when this is why rhx stops (0 for a warning: it never stops a run). */
  exit: ExitCodeValue;
  kind: CodeKind;
  /** One line, for docs/errors.md and the error's doc link. */
  summary: string;
  /** Also the answer of a pre-flight check: there it exits 4, like every failed check. */
  alsoCheck?: true;
  family?: CodeFamily;
  /** Why a code no source raises stays in the catalog (a published code is never removed). */
  reserved?: string;
}

export interface CodeEntry extends CodeSpec {
  /** `docs/errors.md#<anchor>`: the anchor GitHub gives the code's heading there. */
  anchor: string;
}

const { Ok, StepFailed, ConfigInvalid, PreflightFailed, Locked, Usage, Interrupted } = ExitCode;

const error = (exit: ExitCodeValue, summary: string, more: Partial<CodeSpec> = {}): CodeSpec => ({
  exit,
  kind: "error",
  summary,
  ...more,
});
const diagnostic = (summary: string, exit: ExitCodeValue = ConfigInvalid): CodeSpec => ({
  exit,
  kind: "diagnostic",
  summary,
});
const check = (summary: string): CodeSpec => ({ exit: PreflightFailed, kind: "check", summary });
const warning = (summary: string): CodeSpec => ({ exit: Ok, kind: "warning", summary });
// The family stays a literal in the entry's type, so `CodeOfFamily` can read it.
const inFamily = <F extends CodeFamily>(family: F, spec: CodeSpec) => ({ ...spec, family });

const SPECS = {
  // The command line
  RHX_USAGE: error(Usage, "The command line is wrong: an unknown flag or command, or a value out of range."),
  RHX_CONFIRMATION_REQUIRED: error(
    Usage,
    "A replace or `down` needs confirmation and no one can give it: pass `--yes`.",
  ),
  RHX_INIT_EXISTS: error(Usage, "`rhx init` would overwrite an existing file; it never does."),
  RHX_INIT_NO_ANSWER: error(Usage, "The input of `rhx init` ended before every question was answered."),
  RHX_SCHEMA_WRITE_REFUSED: error(Usage, "`rhx schema --write` would replace files rhx did not generate."),
  RHX_OUTPUT_DIR_MISSING: error(Usage, "An output file's directory does not exist, or is not a directory."),
  RHX_OUTPUT_SYMLINK: error(
    Usage,
    "An output path is a dangling symbolic link; rhx does not write through links.",
  ),
  RHX_OUTPUT_IS_DIRECTORY: error(Usage, "An output path is a directory; the flag needs a file path."),
  RHX_OUTPUT_NOT_WRITABLE: error(
    StepFailed,
    "An output file cannot be written: permissions or a read-only file system.",
  ),
  RHX_EVENTS_OUTPUT_FAILED: error(
    StepFailed,
    "The `--json` events could not be written to stdout: its reader stopped.",
  ),
  RHX_INTERNAL: error(StepFailed, "An unexpected problem: a bug in rhx. Report it with the command you ran."),
  RHX_CANCELLED: error(Interrupted, "Interrupted (Ctrl-C, SIGINT or SIGTERM)."),

  // Reading the cluster file
  RHX_CONFIG_INVALID: error(
    ConfigInvalid,
    "The configuration has errors (listed above it); nothing was done.",
  ),
  RHX_CONFIG_NOT_FOUND: diagnostic("The cluster file does not exist."),
  RHX_CONFIG_IS_DIRECTORY: diagnostic("The path given as a cluster file is a directory."),
  RHX_CONFIG_UNREADABLE: diagnostic("The cluster file cannot be read (permissions, or not a regular file)."),
  RHX_CONFIG_TOO_LARGE: diagnostic("The cluster file is larger than a cluster file may be."),
  RHX_CONFIG_ENCODING: diagnostic(
    "The cluster file is not UTF-8 (UTF-16 from some editors, or invalid bytes).",
  ),
  RHX_CONFIG_BINARY: diagnostic("The cluster file is not a text file (it contains NUL bytes)."),
  RHX_CONFIG_EMPTY: diagnostic("The cluster file has no cluster in it."),
  RHX_CONFIG_REPEATED: warning("The same cluster file is given twice; it is read once."),

  // YAML (the parser's own codes are added below, from its list)
  RHX_YAML_UNPARSABLE: diagnostic("The YAML parser gave up on the file."),
  RHX_YAML_TOO_DEEP: diagnostic("Collections are nested deeper than rhx reads."),
  RHX_YAML_TOO_MANY_ENTRIES: diagnostic("The file has more entries (keys, list items) than rhx reads."),
  RHX_YAML_ALIAS_LIMIT: diagnostic("The document expands more YAML aliases than rhx allows."),
  RHX_YAML_UNSUPPORTED_TAG: diagnostic(
    "A value has a YAML type rhx does not read (binary, set, timestamp, …).",
  ),
  RHX_YAML_NUMBER_RANGE: diagnostic("A number is out of range: it is not a finite number."),

  // Schema and rules
  RHX_CONFIG_SCHEMA: diagnostic("A value does not match the schema of cluster.yaml (type, range, pattern)."),
  RHX_CONFIG_UNKNOWN_KEY: diagnostic("A key cluster.yaml does not have (with a did-you-mean)."),
  RHX_CONFIG_MISSING_KEY: diagnostic("A required key is missing."),
  RHX_NAME_RESERVED: diagnostic("The cluster name is reserved by Runhouse."),
  RHX_NAME_PORTABILITY: warning("The cluster name has characters some clouds (GCP, Kubernetes) reject."),
  RHX_NAME_DUPLICATE: diagnostic("Two clusters of one run have the same name."),
  RHX_INSTANCE_TYPE: diagnostic(
    "`instance_type` does not fit the provider (a warning where it may still work).",
  ),
  RHX_LOCAL_CONSTRAINT: diagnostic("A setting `provider: local` cannot honour (more than one node, spot)."),
  RHX_LOCAL_IGNORED: warning("A setting that has no effect with `provider: local`."),
  RHX_PORT_CONFLICT: diagnostic("Two local clusters would serve on the same host port."),
  RHX_RUNHOUSE_VERSION_UNKNOWN: warning(
    "`runhouse.version` is not a release rhx knows; it is started as its era is.",
  ),
  RHX_SKY_PASSTHROUGH_MODELLED: diagnostic("A `sky:` pass-through key overrides what rhx sets itself."),
  RHX_SKY_PASSTHROUGH_UNKNOWN: diagnostic(
    "A `sky:` pass-through key SkyPilot does not have (with a did-you-mean).",
  ),

  // Variables, env files and secrets
  RHX_INTERPOLATION_SYNTAX: diagnostic("A `${…}` reference is malformed."),
  RHX_INTERPOLATION_TOO_LONG: diagnostic("A value is too long once its variables are filled in."),
  RHX_ENV_UNSET: diagnostic(
    "A `${VAR}` the file uses is not set (a warning in `rhx validate`).",
    PreflightFailed,
  ),
  RHX_ENV_REQUIRED: diagnostic("A `${VAR:?message}` the file requires is unset or empty.", PreflightFailed),
  RHX_ENV_MISSING: error(PreflightFailed, "Variables the configuration needs are not set; nothing was done."),
  RHX_ENV_FILE_UNREADABLE: diagnostic("An env file (`.env` or `--env-file`) cannot be read."),
  RHX_ENV_FILE_ENCODING: diagnostic("An env file is UTF-16 text; rhx reads UTF-8."),
  RHX_ENV_FILE_TOO_LONG: diagnostic("An env file's value is too long once its references are filled in."),
  RHX_ENV_FILE_REFERENCE: warning(
    "An env file's `$` reference that is not filled in (unknown, later, or malformed).",
  ),
  RHX_ENV_FILE_NAME: warning(
    "An env file sets a name that cannot be set (`__proto__`); the line is ignored.",
  ),
  RHX_SECRET_IN_FILE: warning("The registry password is written in the file, which is committed with it."),
  RHX_SECRET_TOO_SHORT: warning("A secret is too short for rhx to mask in its output."),

  // Registry credentials and the image reference
  RHX_DOCKER_CREDENTIALS_PARTIAL: diagnostic("Some of the three registry credentials are set, not all."),
  RHX_DOCKER_SERVER_FORM: diagnostic("The registry server is not a bare host (no scheme, no path)."),
  RHX_DOCKER_SERVER_MISMATCH: diagnostic("The login server and the registry `image_id` names differ."),
  RHX_IMAGE_REFERENCE: diagnostic(
    "`image_id` is not a valid image reference (also a launch's error, exit 1).",
  ),
  RHX_IMAGE_SERVER: check("The registry server in front of the image is not a bare host."),
  RHX_IMAGE_SERVER_MISMATCH: inFamily(
    "registry-check",
    check("The image names one registry and the credentials another."),
  ),
  RHX_IMAGE_PLATFORM_INVALID: error(ConfigInvalid, "The platform is not of the form os/arch[/variant]."),

  // Pre-flight checks
  RHX_PREFLIGHT_ERROR: check("A pre-flight check failed to answer (it threw)."),
  RHX_REGISTRY_AUTH_REJECTED: inFamily(
    "registry-check",
    check("The registry rejected the user name and password (or the token it issued)."),
  ),
  RHX_REGISTRY_AUTH_REQUIRED: inFamily(
    "registry-check",
    check("The registry requires a login and no credentials are set."),
  ),
  RHX_REGISTRY_DENIED: inFamily(
    "registry-check",
    check("The registry denied pull access to the repository."),
  ),
  RHX_REGISTRY_UNREACHABLE: inFamily(
    "registry-check",
    check("The registry cannot be reached (DNS, connection refused, network)."),
  ),
  RHX_REGISTRY_TLS: inFamily("registry-check", check("The TLS connection to the registry failed.")),
  RHX_REGISTRY_TIMEOUT: inFamily("registry-check", check("The registry did not answer in time.")),
  RHX_REGISTRY_ERROR: inFamily(
    "registry-check",
    check("The registry answered something unexpected (a status, or a protocol problem)."),
  ),
  RHX_REGISTRY_EMPTY_PASSWORD: check("The registry password is empty where no instance-role login can work."),
  RHX_REGISTRY_INSTANCE_ROLE: warning(
    "The password is empty: the cluster logs in to the registry with its instance role.",
  ),
  RHX_IMAGE_NOT_FOUND: inFamily(
    "registry-check",
    check("The image's repository or tag does not exist (the tags nearest first)."),
  ),
  RHX_IMAGE_PLATFORM_MISSING: inFamily(
    "registry-check",
    check("The image has no build for the cluster's platform."),
  ),
  RHX_PORT_BUSY: check("The server's port is already in use on this machine."),
  RHX_SKY_UNUSABLE: check("`sky --version` failed or printed no SkyPilot version."),
  RHX_SKY_TOO_OLD: check("The SkyPilot installed is older than the oldest rhx can drive."),
  RHX_SKY_TIMEOUT: check("`sky --version` or `sky check` did not answer in time."),
  RHX_SKY_CHECK_FAILED: check("`sky check` failed, or printed nothing rhx could read as enabled clouds."),
  RHX_SKY_INSTANCE_ROLE_UNSUPPORTED: warning(
    "This SkyPilot may predate the empty-password (instance-role) login.",
  ),
  RHX_CLOUD_DISABLED: check("SkyPilot cannot launch on the cluster's cloud (`sky check` says why)."),
  RHX_CLOUD_NONE_ENABLED: check(
    "No cloud is enabled in SkyPilot, so `provider: cheapest` has nothing to choose.",
  ),

  // Tools and engines
  RHX_COMMAND_NOT_FOUND: error(StepFailed, "A program rhx runs was not found on PATH.", { alsoCheck: true }),
  RHX_COMMAND_FAILED: error(StepFailed, "A program rhx ran failed (its exit code and last lines are shown)."),
  RHX_STEP_TIMEOUT: error(
    StepFailed,
    "A step did not finish within its time limit (`--step-timeout`) and was stopped.",
  ),
  RHX_STEP_FAILED: error(StepFailed, "A step failed with an error that has no code of its own."),
  RHX_DOCKER_NOT_FOUND: error(StepFailed, "The docker command was not found on PATH.", { alsoCheck: true }),
  RHX_ENGINE_UNREACHABLE: error(StepFailed, "The Docker engine is not reachable or did not answer.", {
    alsoCheck: true,
  }),
  RHX_ENGINE_ERROR: error(StepFailed, "The Docker engine answered a status query with an error."),
  RHX_SKY_NOT_FOUND: error(StepFailed, "`sky` (the SkyPilot CLI) was not found on PATH.", {
    alsoCheck: true,
  }),
  RHX_SKY_VERSION: error(StepFailed, "`sky --version` did not say which SkyPilot this is."),
  RHX_SSH_NOT_FOUND: error(StepFailed, "`ssh` (an OpenSSH client) was not found on PATH."),

  // Launching and running a cluster
  RHX_LAUNCH_FAILED: error(StepFailed, "The launch failed, or the cluster stopped right after it started."),
  RHX_LAUNCH_EXISTS: error(StepFailed, "A container of that name exists and runs another image."),
  RHX_LAUNCH_IMAGE_NOT_FOUND: error(StepFailed, "Docker could not find the image when pulling it."),
  RHX_LAUNCH_PULL_DENIED: error(StepFailed, "The registry denied Docker's pull of the image."),
  RHX_LAUNCH_LOGIN_REJECTED: error(StepFailed, "The registry rejected Docker's login."),
  RHX_LAUNCH_REGISTRY_UNREACHABLE: error(StepFailed, "Docker could not reach the registry."),
  RHX_EXEC_ENV_RESERVED: error(StepFailed, "`env` sets a name the docker client itself reads."),
  RHX_SETUP_FAILED: error(
    StepFailed,
    "A `setup` command exited non-zero; the next apply resumes at that step.",
  ),
  RHX_SERVER_START_FAILED: error(StepFailed, "The command that starts the Runhouse server failed."),
  RHX_SERVER_UNHEALTHY: error(StepFailed, "The Runhouse server did not answer its health check in time."),
  RHX_SERVER_VERSION_MISMATCH: error(
    StepFailed,
    "The Runhouse server answers as another version than `runhouse.version`.",
  ),
  RHX_TEARDOWN_FAILED: error(StepFailed, "The cluster is still there after its teardown."),
  RHX_NOT_OWNED: error(
    StepFailed,
    "A cluster of that name exists but rhx did not create it; rhx will not touch it.",
  ),
  RHX_CLUSTER_NOT_OWNED: error(
    StepFailed,
    "A driver met a cluster rhx did not create, and will not launch over, tear down or enter it.",
  ),
  RHX_CLUSTER_NOT_FOUND: error(StepFailed, "No cluster of that name exists."),
  RHX_CLUSTER_NOT_RUNNING: error(StepFailed, "The cluster exists but is not running."),
  RHX_NOT_RUNNING: error(StepFailed, "`rhx ssh`: the cluster is not running."),
  RHX_PLAN_STALE: error(
    StepFailed,
    "A saved plan no longer matches the file or the clusters; nothing was changed.",
  ),

  // SkyPilot
  RHX_SKY_FAILED: inFamily(
    "sky-failure",
    error(StepFailed, "A `sky` command failed in a way with no code of its own (its error is shown)."),
  ),
  RHX_SKY_USAGE: inFamily(
    "sky-failure",
    error(StepFailed, "SkyPilot rejected the task or command rhx generated."),
  ),
  RHX_SKY_NO_CAPACITY: inFamily(
    "sky-failure",
    error(StepFailed, "No zone had capacity, or no instance type matches the resources."),
  ),
  RHX_SKY_DOCKER_LOGIN: inFamily(
    "sky-failure",
    error(StepFailed, "The registry refused the credentials during SkyPilot's setup (VMs left billed)."),
  ),
  RHX_SKY_IMAGE_NOT_FOUND: inFamily(
    "sky-failure",
    error(StepFailed, "SkyPilot could not pull the image (VMs left billed)."),
  ),
  RHX_SKY_RESOURCES_MISMATCH: inFamily(
    "sky-failure",
    error(StepFailed, "A SkyPilot cluster of that name exists with other resources or image."),
  ),
  RHX_SKY_API_UNREACHABLE: inFamily(
    "sky-failure",
    error(StepFailed, "The SkyPilot API server does not answer.", { alsoCheck: true }),
  ),
  RHX_SKY_JOB_FAILED: inFamily("sky-failure", error(StepFailed, "A SkyPilot job failed or was cancelled.")),
  RHX_SKY_OUTPUT: error(StepFailed, "`sky` printed something rhx cannot read."),
  RHX_SKY_ENV_RESERVED: error(StepFailed, "`env` sets a name SkyPilot reads as a docker login variable."),
  RHX_SKY_LAUNCH_OPTION: error(StepFailed, "A `sky.launch` pass-through option rhx sets itself."),
  RHX_SKY_AUTOSTOP_FAILED: error(StepFailed, "Setting autostop on the cluster failed."),
  RHX_SKY_NODES_FAILED: error(StepFailed, "The nodes of a multi-node cluster could not be read."),
  RHX_SKY_WORKER_JOIN_FAILED: error(StepFailed, "A worker node did not join the head node's Ray cluster."),
  RHX_SKY_SSH_FAILED: error(StepFailed, "ssh to the cluster failed."),

  // State, locks and logs
  RHX_LOCKED: error(Locked, "Another rhx holds the cluster's lock."),
  RHX_LOCK_UNWRITABLE: error(StepFailed, "The cluster's lock cannot be written."),
  RHX_STATE_DIR_UNUSABLE: error(StepFailed, "The state dir cannot be created or used."),
  RHX_STATE_UNREADABLE: error(StepFailed, "A cluster's state file cannot be read."),
  RHX_STATE_UNWRITABLE: error(
    StepFailed,
    "A cluster's state file (or the fingerprint key) cannot be written.",
  ),
  RHX_STATE_CORRUPT: error(StepFailed, "A cluster's state file is not what rhx writes."),
  RHX_STATE_FUTURE: error(StepFailed, "A cluster's state was written by a newer rhx."),
  RHX_RUN_LOG_UNWRITABLE: error(StepFailed, "The run log cannot be written."),
} satisfies Record<`RHX_${string}`, CodeSpec>;

/** Every code the `yaml` parser reports; rhx reports each as `RHX_YAML_<code>` (config/parse.ts). */
export const YAML_PARSER_CODES = [
  "ALIAS_PROPS",
  "BAD_ALIAS",
  "BAD_COLLECTION_TYPE",
  "BAD_DIRECTIVE",
  "BAD_DQ_ESCAPE",
  "BAD_INDENT",
  "BAD_PROP_ORDER",
  "BAD_SCALAR_START",
  "BLOCK_AS_IMPLICIT_KEY",
  "BLOCK_IN_FLOW",
  "DUPLICATE_KEY",
  "IMPOSSIBLE",
  "KEY_OVER_1024_CHARS",
  "MISSING_CHAR",
  "MULTILINE_IMPLICIT_KEY",
  "MULTIPLE_ANCHORS",
  "MULTIPLE_DOCS",
  "MULTIPLE_TAGS",
  "NON_STRING_KEY",
  "RESOURCE_EXHAUSTION",
  "TAB_AS_INDENT",
  "TAG_RESOLVE_FAILED",
  "UNEXPECTED_TOKEN",
] as const satisfies readonly YAMLError["code"][];

type YamlParserCode = (typeof YAML_PARSER_CODES)[number];
// A `yaml` upgrade that adds a code fails the type check here, so the catalog learns of it.
type UnlistedYamlCode = Exclude<YAMLError["code"], YamlParserCode>;
const everyYamlCodeListed: [UnlistedYamlCode] extends [never] ? true : UnlistedYamlCode = true;
void everyYamlCodeListed;

const YAML_SUMMARIES: Record<YamlParserCode, string> = {
  ALIAS_PROPS: "An alias `*name` carries an anchor or a tag, which aliases cannot.",
  BAD_ALIAS: "An alias `*name` refers to no `&name` defined before it.",
  BAD_COLLECTION_TYPE: "A collection is tagged as a type of another shape.",
  BAD_DIRECTIVE: "A `%` directive is malformed.",
  BAD_DQ_ESCAPE: "A backslash escape inside double quotes is not valid.",
  BAD_INDENT: "A line is indented wrongly for its level.",
  BAD_PROP_ORDER: "An anchor or tag is in the wrong place.",
  BAD_SCALAR_START: "A plain value starts with a character YAML reserves.",
  BLOCK_AS_IMPLICIT_KEY: "A key is missing its `:`, or a value is indented too far.",
  BLOCK_IN_FLOW: "A block collection is inside a flow (`[…]`, `{…}`) collection.",
  DUPLICATE_KEY: "A key appears twice in the same mapping.",
  IMPOSSIBLE: "The YAML parser reached a state it should not (its own bug).",
  KEY_OVER_1024_CHARS: "A key is longer than 1024 characters.",
  MISSING_CHAR: "A quote or bracket is not closed.",
  MULTILINE_IMPLICIT_KEY: "A key spans lines: a `:` is missing, or a line is indented wrongly.",
  MULTIPLE_ANCHORS: "A node has more than one `&anchor`.",
  MULTIPLE_DOCS: "More YAML documents than the reader expects.",
  MULTIPLE_TAGS: "A node has more than one `!tag`.",
  NON_STRING_KEY: "A key is not a string.",
  RESOURCE_EXHAUSTION: "Aliases expand to more than the parser allows.",
  TAB_AS_INDENT: "A line is indented with tabs; YAML indents with spaces.",
  TAG_RESOLVE_FAILED: "A `!tag` rhx does not read.",
  UNEXPECTED_TOKEN: "Punctuation YAML did not expect here (quote a value with `:`, `#`, `[` or `{`).",
};

type YamlSpecs = { [K in YamlParserCode as `RHX_YAML_${K}`]: CodeSpec };

const YAML_SPECS = Object.fromEntries(
  YAML_PARSER_CODES.map((code) => [`RHX_YAML_${code}`, diagnostic(YAML_SUMMARIES[code])]),
) as YamlSpecs;

type Specs = typeof SPECS & YamlSpecs;

export type ErrorCode = keyof Specs;

/** The codes of one family, as a type: `CodeOfFamily<"registry-check">`. */
export type CodeOfFamily<F extends CodeFamily> = {
  [C in ErrorCode]: Specs[C] extends { family: F } ? C : never;
}[ErrorCode];

/** `RHX_LOCKED` → `rhx_locked`: GitHub's anchor for the heading `RHX_LOCKED` in docs/errors.md. */
export function docAnchor(code: ErrorCode): string {
  return code.toLowerCase();
}

function withAnchors(specs: Specs): Readonly<Record<ErrorCode, CodeEntry>> {
  const entries = Object.entries(specs) as [ErrorCode, CodeSpec][];
  return Object.fromEntries(
    entries.map(([code, spec]) => [code, { ...spec, anchor: docAnchor(code) }]),
  ) as Record<ErrorCode, CodeEntry>;
}

export const ERROR_CODES: Readonly<Record<ErrorCode, CodeEntry>> = withAnchors({ ...SPECS, ...YAML_SPECS });

export const ERROR_DOC = "docs/errors.md";

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

export function codesOfFamily<F extends CodeFamily>(family: F): CodeOfFamily<F>[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
    (code): code is CodeOfFamily<F> => ERROR_CODES[code].family === family,
  );
}

/** Where a code is explained: `docs/errors.md#rhx_locked`. */
export function docLink(code: ErrorCode): string {
  return `${ERROR_DOC}#${ERROR_CODES[code].anchor}`;
}
