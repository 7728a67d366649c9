import type { Provider } from "../config/schema.ts";
import type { Redactor } from "../secrets/redactor.ts";
import { safeHost } from "../state/owner.ts";
import { runDir } from "../state/paths.ts";
import type { Driver, Environment, RunContext } from "./types.ts";

export type DriverKind = Driver["kind"];

export function driverKind(provider: Provider | string): DriverKind {
  return provider === "local" ? "local" : "skypilot";
}

export interface DriverEnvironment {
  env: Environment;
  /** The run's state dir: the SkyPilot driver knows its clusters by their records there. */
  stateDir: string;
  /**
   * The run's redactor (`ctx.redactor`). The process-wide one stands in for callers not yet given
   * the run's.
   */
  redactor: Redactor;
}

/**
 * One driver per kind and run: keyed by the run's redactor and environment, so in-process runs never
 * share one, while everything within a run — pre-flight and every step — does (one `sky --version`).
 */
const cache = new WeakMap<Redactor, WeakMap<Environment, Map<string, Promise<Driver>>>>();

/** Drivers are imported on first use: `rhx validate` never loads execa, a local apply never loads sky code. */
export function driverFor(kind: DriverKind, environment: DriverEnvironment): Promise<Driver> {
  const { redactor } = environment;
  const drivers = memo(
    memo(cache, redactor, () => new WeakMap()),
    environment.env,
    () => new Map(),
  );
  const key = `${kind}:${environment.stateDir}`;
  let driver = drivers.get(key);
  if (!driver) {
    const context: RunContext = { env: environment.env, stateDir: environment.stateDir, redactor };
    driver =
      kind === "local"
        ? import("./local/index.ts").then((m) =>
            m.createLocalDriver({ ...context, runDir: runDir(context.stateDir, safeHost()) }),
          )
        : import("./skypilot/index.ts").then((m) => m.createSkyDriver(context));
    drivers.set(key, driver);
  }
  return driver;
}

function memo<K extends object, V>(map: WeakMap<K, V> | Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
