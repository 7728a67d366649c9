/**
 * When a Runhouse server is healthy: HTTP 2xx AND a JSON body whose `rh_version` is the configured
 * version (Runhouse's http_server.py, every tag). A 2xx alone proves nothing: with Ray not initialized the
 * server still answers 200, with an exception Response in the body. Pure: the drivers fetch.
 */

import { ExitCode } from "../errors/exit-codes.ts";
import { RhxError } from "../errors/rhx-error.ts";
import type { RunhouseSpec } from "./spec.ts";
import { HEALTH } from "./versions.ts";

export type HealthVerdict =
  | { healthy: true; version: string; mismatch?: undefined }
  /** Not (yet) healthy; polling goes on. `detail` says what answered. */
  | { healthy: false; mismatch?: undefined; detail: string }
  /** A Runhouse server answers, but another version: polling cannot change that. */
  | { healthy: false; mismatch: string; detail: string };

const SHOWN_BODY_CHARS = 120;

export function judgeHealth(status: number, body: string, expected: string): HealthVerdict {
  if (status < 200 || status > 299) return { healthy: false, detail: `HTTP ${status}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { healthy: false, detail: `HTTP ${status} but not Runhouse's JSON: ${shown(body)}` };
  }
  if (isRecord(json) && json.output_type === "exception") {
    return { healthy: false, detail: `HTTP ${status} with an exception: ${exceptionLine(json)}` };
  }
  const version = isRecord(json) ? json[HEALTH.versionKey] : undefined;
  if (typeof version !== "string") {
    return { healthy: false, detail: `HTTP ${status} without "${HEALTH.versionKey}": ${shown(body)}` };
  }
  if (version !== expected) {
    return { healthy: false, mismatch: version, detail: `HTTP ${status} from Runhouse ${version}` };
  }
  return { healthy: true, version };
}

/** A server of another version answers: the fix is in the file, and which field depends on install. */
export function versionMismatchError(
  spec: Pick<RunhouseSpec, "name" | "runhouse">,
  url: string,
  found: string,
): RhxError {
  const wanted = spec.runhouse.version;
  return new RhxError({
    code: "RHX_SERVER_VERSION_MISMATCH",
    message: spec.runhouse.install
      ? `The Runhouse server on ${spec.name} answers ${url} as version ${found}, but runhouse.version is ${wanted}, which rhx installed.`
      : `The Runhouse server on ${spec.name} answers ${url} as version ${found}, but runhouse.version is ${wanted}; with runhouse.install: false the image's own Runhouse runs, and it is ${found}.`,
    hint: spec.runhouse.install
      ? `Another runhouse is first on the container's PATH; compare rhx ssh ${spec.name} -- runhouse --version with ${wanted}.`
      : `Set runhouse.version: "${found}" to match the image, or runhouse.install: true to install ${wanted}.`,
    exitCode: ExitCode.StepFailed,
  });
}

/** The traceback's last line ("Exception: Ray is not initialized, restart the server."). */
function exceptionLine(response: Record<string, unknown>): string {
  const data = isRecord(response.data) ? response.data : {};
  const traceback = typeof data.traceback === "string" ? data.traceback : "";
  const last = traceback
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .at(-1);
  return last ? shown(last) : "no traceback";
}

function shown(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SHOWN_BODY_CHARS ? `${flat.slice(0, SHOWN_BODY_CHARS)}…` : flat || "(empty)";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
