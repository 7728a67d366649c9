import type { Provider } from "../config/schema.ts";
import type { Driver } from "./types.ts";

export type DriverKind = Driver["kind"];

export function driverKind(provider: Provider | string): DriverKind {
  return provider === "local" ? "local" : "skypilot";
}

export interface DriverEnvironment {
  env: Readonly<Record<string, string | undefined>>;
}

const cache = new Map<DriverKind, Promise<Driver>>();

/** Drivers are imported on first use: `rhx validate` never loads execa, a local apply never loads sky code. */
export function driverFor(kind: DriverKind, environment: DriverEnvironment): Promise<Driver> {
  let driver = cache.get(kind);
  if (!driver) {
    driver =
      kind === "local"
        ? import("./local/index.ts").then((m) => m.createLocalDriver())
        : import("./skypilot/index.ts").then((m) => m.createSkyDriver({ env: environment.env }));
    cache.set(kind, driver);
  }
  return driver;
}
