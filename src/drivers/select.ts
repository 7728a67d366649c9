import type { Provider } from "../config/schema.ts";
import { safeHost } from "../state/owner.ts";
import { runDir } from "../state/paths.ts";
import type { Driver } from "./types.ts";

export type DriverKind = Driver["kind"];

export function driverKind(provider: Provider | string): DriverKind {
  return provider === "local" ? "local" : "skypilot";
}

export interface DriverEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  /** The run's state dir: the SkyPilot driver knows its clusters by their records there. */
  stateDir: string;
}

/** One driver per kind and environment; keyed by the environment so in-process runs never share one. */
const cache = new WeakMap<Readonly<Record<string, string | undefined>>, Map<string, Promise<Driver>>>();

/** Drivers are imported on first use: `rhx validate` never loads execa, a local apply never loads sky code. */
export function driverFor(kind: DriverKind, environment: DriverEnvironment): Promise<Driver> {
  let drivers = cache.get(environment.env);
  if (!drivers) {
    drivers = new Map();
    cache.set(environment.env, drivers);
  }
  const key = `${kind}:${environment.stateDir}`;
  let driver = drivers.get(key);
  if (!driver) {
    driver =
      kind === "local"
        ? import("./local/index.ts").then((m) =>
            m.createLocalDriver({ runDir: runDir(environment.stateDir, safeHost()) }),
          )
        : import("./skypilot/index.ts").then((m) =>
            m.createSkyDriver({ env: environment.env, stateDir: environment.stateDir }),
          );
    drivers.set(key, driver);
  }
  return driver;
}
