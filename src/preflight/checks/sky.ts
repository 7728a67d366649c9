import type { Check } from "../types.ts";

/** SkyPilot's own checks (tools, cloud credentials) arrive with the SkyPilot driver. */
export const skyChecks: readonly Check[] = [];
