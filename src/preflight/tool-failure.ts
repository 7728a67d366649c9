import type { ErrorCode } from "../errors/codes.ts";
import { isRhxError } from "../errors/rhx-error.ts";
import type { CheckResult } from "./types.ts";

/**
 * What a driver throws when the tool it drives is missing or its engine does not answer. Met while
 * `plan` or `apply` asks for the live status, before anything has run, it is the same finding `rhx
 * check` reports, so it is reported as that pre-flight check and exits 4 in every command. Met
 * later, inside a step (the engine stops mid-apply), the same error is that step failing (exit 1).
 */
const TOOL_CHECKS: Readonly<Partial<Record<ErrorCode, { id: string; title: string }>>> = {
  RHX_ENGINE_UNREACHABLE: { id: "engine", title: "Docker engine" },
  RHX_DOCKER_NOT_FOUND: { id: "engine", title: "Docker engine" },
  RHX_SKY_NOT_FOUND: { id: "sky", title: "SkyPilot CLI" },
  RHX_COMMAND_NOT_FOUND: { id: "tools", title: "required tools" },
};

/** The pre-flight check a status error stands for; undefined when it is not a missing tool. */
export function toolFailure(error: unknown): CheckResult | undefined {
  if (!isRhxError(error)) return undefined;
  const check = TOOL_CHECKS[error.code];
  if (!check) return undefined;
  return { ...check, status: "fail", code: error.code, message: error.message, hint: error.hint };
}
