/** The state file's format version (the schema in schema.ts says the same). */
export const STATE_VERSION = 1;

/**
 * The state file's shape, checked by hand: the same rules as `ClusterStateSchema` (test/state proves
 * they agree), without loading TypeBox, whose hundreds of modules cost every status, plan and apply a
 * third of a second. Returns the first problem as "<path> <what>", or undefined when the value is a
 * ClusterState (schema.ts).
 */
export function stateProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "/ must be an object";
  const allowed = [...REQUIRED, "liveId"];
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return `/${key} is not a state field`;
  for (const key of REQUIRED) if (!(key in value)) return `/${key} is missing`;
  if (value.version !== STATE_VERSION) return `/version must be ${STATE_VERSION}`;
  for (const key of ["name", "provider", "file", "createdAt", "updatedAt"])
    if (typeof value[key] !== "string") return `/${key} must be a string`;
  if (value.driver !== "local" && value.driver !== "skypilot") return "/driver must be local or skypilot";
  if ("liveId" in value && typeof value.liveId !== "string") return "/liveId must be a string";
  for (const key of ["fields", "shown"]) {
    const record = value[key];
    if (!isObject(record)) return `/${key} must be an object`;
    for (const [k, v] of Object.entries(record))
      if (typeof v !== "string") return `/${key}/${k} must be a string`;
  }
  if (!Array.isArray(value.setup)) return "/setup must be an array";
  for (const [i, item] of value.setup.entries())
    if (typeof item !== "string") return `/setup/${i} must be a string`;
  const stages = value.stages;
  if (!isObject(stages)) return "/stages must be an object";
  for (const [name, stage] of Object.entries(stages)) {
    const path = `/stages/${name}`;
    if (!STAGES.includes(name)) return `${path} is not a stage`;
    if (stage === undefined) continue;
    const problem = stageProblem(stage);
    if (problem) return `${path}${problem}`;
  }
  return undefined;
}

const REQUIRED = [
  "version",
  "name",
  "driver",
  "provider",
  "file",
  "fields",
  "shown",
  "setup",
  "stages",
  "createdAt",
  "updatedAt",
];
const STAGES = ["launch", "setup", "server"];

function stageProblem(stage: unknown): string | undefined {
  if (!isObject(stage)) return " must be an object";
  for (const key of Object.keys(stage))
    if (key !== "status" && key !== "at" && key !== "error") return `/${key} is not a stage field`;
  if (stage.status !== "running" && stage.status !== "ok" && stage.status !== "failed")
    return "/status must be running, ok or failed";
  if (typeof stage.at !== "string") return "/at must be a string";
  if ("error" in stage) {
    const error = stage.error;
    if (!isObject(error)) return "/error must be an object";
    if (typeof error.code !== "string") return "/error/code must be a string";
    if (typeof error.message !== "string") return "/error/message must be a string";
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
