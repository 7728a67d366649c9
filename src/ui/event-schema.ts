import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";
import { EVENT_FORMAT_VERSION } from "./events.ts";

/**
 * The `--json` event stream's schema, one object per event type, emitted to
 * schemas/events.schema.json by the same code that emits the cluster schema. The TypeScript type of
 * every event (`RhxEvent`) is derived from these same definitions, so what the code emits and what
 * is published cannot drift; the test helpers validate every `--json` line a run prints against it.
 */

const Location = Type.Object(
  {
    file: Type.String(),
    line: Type.Integer({ minimum: 1 }),
    column: Type.Integer({ minimum: 1 }),
    length: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const opt = Type.Optional;
const S = Type.String;

/** Fields every event carries; `cluster` wherever the event is about one. */
function event<T extends string, P extends TProperties>(
  type: T,
  properties: P,
  description: string,
  open = false,
) {
  return Type.Object(
    {
      v: Type.Literal(EVENT_FORMAT_VERSION),
      type: Type.Literal(type),
      time: S({ description: "ISO 8601 time the event was written." }),
      cluster: opt(S()),
      ...properties,
    },
    { description, additionalProperties: open },
  );
}

const PlanChange = Type.Object(
  {
    field: S({
      description: "The field causing the action (`image_id`, `setup[2]`) or `cluster` for a condition.",
    }),
    class: S(),
    kind: Type.Union([
      Type.Literal("add"),
      Type.Literal("change"),
      Type.Literal("remove"),
      Type.Literal("condition"),
    ]),
    from: opt(S()),
    to: opt(S()),
    secret: opt(Type.Boolean()),
    note: opt(S()),
  },
  { additionalProperties: false },
);

/** `rhx apply --watch` (src/watch): one `apply-started`/`apply-finished` pair per change it acts on. */
function watchEvents() {
  const names = Type.Array(S());
  const count = Type.Integer({ minimum: 0 });
  return [
    event("watch-started", { files: names, debounceMs: count, maxWaitMs: count }, "Watching began."),
    event("change-detected", { paths: names, events: count }, "A debounced burst of file changes."),
    event("config-invalid", { errors: count, lastGood: Type.Boolean() }, "A change left the config invalid."),
    event(
      "apply-started",
      {
        cycle: count,
        trigger: Type.Union([Type.Literal("start"), Type.Literal("change")]),
        paths: names,
        clusters: names,
      },
      "Watch mode plans (and applies) the config after a change.",
    ),
    event(
      "apply-finished",
      {
        cycle: count,
        result: Type.Union(
          ["applied", "unchanged", "skipped", "failed", "cancelled", "interrupted"].map((r) =>
            Type.Literal(r),
          ),
        ),
        exitCode: count,
        durationMs: count,
        applied: names,
        skipped: Type.Array(
          Type.Object({ cluster: S(), action: S(), reason: S() }, { additionalProperties: false }),
        ),
        failure: opt(S()),
      },
      "How one watch-mode apply ended.",
    ),
    event("confirmation-pending", { action: S() }, "Watch mode waits for a y on the terminal."),
    event(
      "watch-stopped",
      {
        reason: S(),
        running: Type.Array(Type.Object({ cluster: S(), teardown: S() }, { additionalProperties: false })),
      },
      "Watching ended; the clusters listed are still up.",
    ),
  ] as const;
}

export const EVENT_SCHEMAS = [
  event(
    "diagnostic",
    {
      code: S(),
      severity: Type.Union([Type.Literal("error"), Type.Literal("warning")]),
      message: S(),
      hint: opt(S()),
      location: opt(Location),
      frame: opt(S({ description: "The source lines as written in the file, with a caret line." })),
    },
    "A problem found in a cluster file.",
  ),
  event(
    "diagnostics-omitted",
    {
      omitted: Type.Integer({ minimum: 1 }),
      errors: Type.Integer({ minimum: 0 }),
      warnings: Type.Integer({ minimum: 0 }),
    },
    "More problems were found than are reported: how many diagnostic events were left out, by severity.",
  ),
  event(
    "error",
    { code: S(), message: S(), hint: opt(S()), location: opt(Location) },
    "A failure that ends the command (or one cluster's part of it).",
  ),
  event(
    "preflight",
    {
      id: S(),
      title: S(),
      status: Type.Union([Type.Literal("pass"), Type.Literal("warn"), Type.Literal("fail")]),
      code: opt(S()),
      message: S(),
      hint: opt(S()),
    },
    "One pre-flight check's verdict.",
  ),
  event(
    "plan",
    {
      action: Type.Union(
        ["no-op", "server-restart", "setup", "update-in-place", "replace", "create"].map((a) =>
          Type.Literal(a),
        ),
      ),
      changes: Type.Array(PlanChange),
      steps: S({ description: "The steps the apply will run, in words." }),
    },
    "What apply will do to one cluster, each change with its class and cause.",
  ),
  event("step-started", { step: S(), title: S() }, "A step of a cluster's apply started."),
  event("step-output", { step: S(), line: S() }, "One line a step's child process printed (redacted)."),
  event("step-finished", { step: S(), durationMs: Type.Integer({ minimum: 0 }) }, "A step completed."),
  event(
    "step-failed",
    { step: S(), durationMs: Type.Integer({ minimum: 0 }), code: S(), message: S(), log: opt(S()) },
    "A step failed; `log` is the run log with the full output.",
  ),
  event("step-skipped", { step: S(), reason: S() }, "A step did not run."),
  event(
    "replace-skipped",
    { action: opt(S()), reason: opt(S()) },
    "Watch mode: a replace (or create) was planned but not approved, so it did not run.",
  ),
  ...watchEvents(),
  event(
    "lock-taken-over",
    { pid: Type.Integer({ minimum: 1 }) },
    "A lock left by an rhx that is gone (`pid`) was taken over.",
  ),
  event(
    "still-running",
    { teardown: S() },
    "After an interrupt: the cluster is still up; `teardown` removes it.",
  ),
  event(
    "status",
    {
      driver: S(),
      live: Type.Object(
        { state: S(), id: opt(S()), image: opt(S()), ownedByRhx: Type.Boolean(), detail: opt(S()) },
        { additionalProperties: false },
      ),
      recorded: Type.Union([Type.Null(), Type.Object({}, { additionalProperties: true })]),
    },
    "`rhx status`: recorded state and live truth of one cluster.",
  ),
  event("down", { was: S() }, "A cluster was torn down (or was already gone) and its record cleared."),
  event(
    "unlocked",
    { holder: Type.Union([Type.Null(), Type.Object({}, { additionalProperties: true })]) },
    "A lock was removed.",
  ),
  event("interrupted", { signal: S() }, "SIGINT/SIGTERM received; steps stop at the next safe point."),
  event(
    "file-written",
    { path: S() },
    "A file was written (`rhx schema --write`, `rhx init`, `plan --out`).",
  ),
  event(
    "schema",
    { schema: Type.Object({}, { additionalProperties: true }) },
    "`rhx schema --json`: the cluster JSON Schema.",
  ),
  event(
    "summary",
    { command: S(), ok: Type.Boolean() },
    "The last event of a command: its outcome. Commands add their own fields.",
    true,
  ),
] as const;

/** Every event rhx can emit, as the discriminated union the schema above describes. */
export type RhxEvent = Static<(typeof EVENT_SCHEMAS)[number]>;
export type EventType = RhxEvent["type"];
/**
 * An event as code reports it: the writer adds the format version and the time, and leaves out
 * optional fields that are `undefined`.
 */
export type EventInput = { [T in EventType]: { type: T } & EventFieldsOf<T> }[EventType];
/** The fields of one event type, each optional one also accepting `undefined` (left out when written). */
export type EventFieldsOf<T extends EventType> = Loose<
  Omit<Extract<RhxEvent, { type: T }>, "v" | "time" | "type">
> &
  (T extends "summary" ? Record<string, unknown> : unknown);
type Loose<T> = { [K in keyof T]: undefined extends T[K] ? LooseValue<T[K]> | undefined : LooseValue<T[K]> };
/** Nested objects loosen too; an open object without declared keys (`schema`, `recorded`) takes any value. */
type LooseValue<V> = V extends readonly (infer I)[]
  ? LooseValue<I>[]
  : V extends object
    ? [keyof V] extends [never]
      ? unknown
      : Loose<V>
    : V;

export function eventSchema(extra: readonly TObject[] = []): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://rhx.dev/schemas/v1/events.schema.json",
    title: "rhx --json events",
    description: `One JSON object per line on stdout under --json. Format version ${EVENT_FORMAT_VERSION}: a new field or event type keeps the version; anything else changes it.`,
    oneOf: [...EVENT_SCHEMAS, ...extra].map((s) => JSON.parse(JSON.stringify(s)) as unknown),
  };
}
