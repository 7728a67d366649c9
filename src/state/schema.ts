import { type Static, Type } from "@sinclair/typebox";

import { STATE_VERSION } from "./check-state.ts";

/**
 * The state file's format; emitted to schemas/state.schema.json. Never holds a secret value. Reading
 * a state checks it with check-state.ts, which follows the same rules without loading TypeBox.
 */
export { STATE_VERSION };

const Stage = Type.Object(
  {
    status: Type.Union([Type.Literal("running"), Type.Literal("ok"), Type.Literal("failed")], {
      description:
        "`running` left behind means the process died mid-step; the next plan starts that step over.",
    }),
    at: Type.String({ description: "When the step last changed status (ISO 8601)." }),
    error: Type.Optional(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        { description: "Why the step failed (redacted)." },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ClusterStateSchema = Type.Object(
  {
    version: Type.Literal(STATE_VERSION),
    name: Type.String(),
    driver: Type.Union([Type.Literal("local"), Type.Literal("skypilot")]),
    provider: Type.String(),
    file: Type.String({ description: "The config file the cluster was applied from." }),
    liveId: Type.Optional(
      Type.String({ description: "Container id / SkyPilot cluster id made by the last launch." }),
    ),
    fields: Type.Record(Type.String(), Type.String(), {
      description: "HMAC fingerprint of every applied field that decides the plan class, by field path.",
    }),
    shown: Type.Record(Type.String(), Type.String(), {
      description: "Applied values of non-secret fields, only to show `old → new` in plans.",
    }),
    setup: Type.Array(Type.String(), {
      description: "Chained fingerprints of the setup steps that completed, in order.",
    }),
    stages: Type.Object(
      { launch: Type.Optional(Stage), setup: Type.Optional(Stage), server: Type.Optional(Stage) },
      { additionalProperties: false },
    ),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  {
    $id: "https://rhx.dev/schemas/v1/state.schema.json",
    title: "rhx cluster state",
    additionalProperties: false,
  },
);

export type ClusterState = Static<typeof ClusterStateSchema>;
export type StageName = keyof ClusterState["stages"];
