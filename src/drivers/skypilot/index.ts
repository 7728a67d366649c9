import { RhxError } from "../../errors/rhx-error.ts";
import type { Driver } from "../types.ts";

/** Placeholder until the SkyPilot driver lands (issue 5): refuses clearly instead of pretending. */
export function createSkyDriver(_options: { env: Readonly<Record<string, string | undefined>> }): Driver {
  throw new RhxError({
    code: "RHX_DRIVER_UNAVAILABLE",
    message: "Cloud providers (through SkyPilot) are not available in this build yet; use `provider: local`.",
  });
}
