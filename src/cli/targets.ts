import type { ClusterSpec } from "../config/cluster.ts";
import { driverFor, driverKind } from "../drivers/select.ts";
import type { Driver } from "../drivers/types.ts";
import type { ClusterState } from "../state/schema.ts";
import { readState } from "../state/store.ts";
import type { CommandContext } from "./context.ts";
import type { Target } from "./load.ts";

export interface ResolvedTarget {
  name: string;
  spec: Pick<ClusterSpec, "name"> & Partial<ClusterSpec>;
  driver: Driver;
  state: ClusterState | undefined;
}

/** A target's driver comes from its file, else from its recorded state, else the local engine. */
export async function resolveDriver(ctx: CommandContext, target: Target): Promise<ResolvedTarget> {
  const name = target.kind === "cluster" ? target.cluster.spec.name : target.name;
  const state = await readState(ctx.globals.stateDir, name);
  const kind =
    target.kind === "cluster"
      ? driverKind(target.cluster.spec.provider)
      : (state?.driver ?? driverKind(state?.provider ?? "local"));
  const driver = await driverFor(kind, {
    env: ctx.env,
    stateDir: ctx.globals.stateDir,
    redactor: ctx.redactor,
  });
  return { name, spec: target.kind === "cluster" ? target.cluster.spec : { name }, driver, state };
}
