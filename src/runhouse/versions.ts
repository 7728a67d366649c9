/**
 * What each Runhouse release needs, read from its tag (runhouse/main.py, constants.py, setup.py):
 * how to install it, how its CLI starts and stops the server on the node, what its health endpoint
 * answers. The full command line of every release 0.0.30–0.0.42 is kept in
 * scripts/test-image/runhouse-cli/ (the test image's fake `runhouse` accepts exactly that), and a
 * unit test checks every row here against it. Pure: no I/O.
 */

export interface RunhouseEra {
  /** First and last release of the era (inclusive). */
  from: string;
  to: string;
  /**
   * The pip requirement before `==VERSION`. The `server` extra (ray, uvicorn, fastapi) exists from
   * 0.0.39, when they left the base install; before, `runhouse[server]` would only warn and the
   * base install already brings them.
   */
  requirement: "runhouse" | "runhouse[server]";
  /**
   * The words before `start|restart|stop|status`. Up to 0.0.35 the server commands are top-level
   * (`CLI_RESTART_CMD = "runhouse restart"`); 0.0.36 moved them under `runhouse server` and left no
   * top-level `restart`: click answers "No such command 'restart'" with exit 2.
   */
  serverGroup: "runhouse" | "runhouse server";
}

/** Oldest first. Releases before 0.0.30 have no docker support; 0.0.42 is the last tag. */
export const RUNHOUSE_ERAS: readonly RunhouseEra[] = [
  { from: "0.0.30", to: "0.0.35", requirement: "runhouse", serverGroup: "runhouse" },
  { from: "0.0.36", to: "0.0.38", requirement: "runhouse", serverGroup: "runhouse server" },
  { from: "0.0.39", to: "0.0.42", requirement: "runhouse[server]", serverGroup: "runhouse server" },
];

/**
 * The options rhx passes to the restart command. Every release 0.0.30–0.0.42 has them on both
 * `start` and `restart` (checked against the extracted command lines); `--port` is a string option
 * (`Optional[str]`), so click accepts any value and the server parses it.
 */
export const RESTART_OPTIONS = {
  restartRay: "--restart-ray",
  port: "--port",
  denAuth: "--use-den-auth",
} as const;

/**
 * `GET /check` on every release: 200 with `{"rh_version": "<version>"}` when the server is up, and
 * also 200 — with an exception Response (`output_type: "exception"`) — when Ray is not initialized.
 */
export const HEALTH = { path: "/check", versionKey: "rh_version" } as const;

export type ServerAction = "start" | "restart" | "stop" | "status";

export interface RunhouseRelease {
  version: string;
  era: RunhouseEra;
  /** False when the version is outside 0.0.30–0.0.42 (or not a version): the nearest era is used. */
  known: boolean;
}

const FIRST = RUNHOUSE_ERAS[0] as RunhouseEra;
const LAST = RUNHOUSE_ERAS[RUNHOUSE_ERAS.length - 1] as RunhouseEra;

/**
 * The era of `version`. Outside the known range the nearest era: before 0.0.30 the oldest (the
 * top-level commands go back to the first CLI), after 0.0.42 the newest (HEAD, 0.0.43 untagged,
 * keeps `runhouse server`). A string that is not a version (a pip specifier, a branch) gets the
 * newest era, like anything after the last tag.
 */
export function runhouseRelease(version: string): RunhouseRelease {
  const parsed = parseVersion(version);
  if (parsed === undefined) return { version, era: LAST, known: false };
  if (compare(parsed, parseVersion(FIRST.from) as number[]) < 0) return { version, era: FIRST, known: false };
  const era = RUNHOUSE_ERAS.find((e) => compare(parsed, parseVersion(e.to) as number[]) <= 0);
  return era ? { version, era, known: true } : { version, era: LAST, known: false };
}

/** `runhouse restart` or `runhouse server restart`, etc., for that version. */
export function serverCommand(version: string, action: ServerAction): string {
  return `${runhouseRelease(version).era.serverGroup} ${action}`;
}

/** The pip requirement that installs `version` with what its server needs. */
export function pipRequirement(version: string): string {
  return `${runhouseRelease(version).era.requirement}==${version}`;
}

/** Leading numeric parts: "0.0.36" → [0, 0, 36]; "0.0.36rc1" → [0, 0, 36]; "latest" → undefined. */
export function parseVersion(version: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
