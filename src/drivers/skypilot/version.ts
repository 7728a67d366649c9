/**
 * `sky --version` parsing and the flags each SkyPilot version supports (docs/skypilot.md, "Versions").
 * Pure: the driver runs the command once per rhx run and passes its stdout here.
 */
import { stripVTControlCharacters } from "node:util";

export interface SkyVersion {
  /** The version text as printed, e.g. `0.10.3`, `0.14.0rc1`, `1.0.0.dev20250301`. */
  raw: string;
  major: number;
  minor: number;
  patch: number;
  /** Nightly builds (`1.0.0.devYYYYMMDD`) track master: treated as newer than every release. */
  nightly: boolean;
}

export interface SkyFeatures {
  /** `-o/--output json` on `sky status` (PR #8784; absent at 0.11.2). */
  jsonOutput: boolean;
  /** `-o/--output json` on `sky check` (same PR). */
  checkJson: boolean;
  /** `--secret KEY` on `sky launch/exec`, and YAML `secrets:` (PR #6015). */
  secretFlag: boolean;
  /** `--infra` and `resources.infra` (0.10); older versions take `--cloud/--region/--zone`. */
  infraFlag: boolean;
  /** `-s/--detach-setup` (0.8.0 and before); passing it to a later version is a usage error (exit 2). */
  detachSetup: boolean;
  /** A `sky api` group: requests run on an API server, survive a killed client, and `sky api cancel ID` stops them. */
  apiServer: boolean;
  /** `sky api cancel -y` (0.11). Only `--all` prompts, so cancelling by id never needs it. */
  apiCancelYes: boolean;
  /** `sky launch/exec/logs` exit 100–103 for job outcomes (≥0.9); before, a failed job exits 0. */
  jobExitCodes: boolean;
  /** How the flags were learned: from the subcommands' `--help`, or guessed from the version number. */
  source: "help" | "version";
}

const VERSION_LINE = /skypilot,\s+version\s+(\S+)/i;
const NUMBERS = /^v?(\d+)\.(\d+)(?:\.(\d+))?/;

/** Parses `skypilot, version X.Y.Z` (or a bare version); undefined when no version is found. */
export function parseSkyVersion(stdout: string): SkyVersion | undefined {
  const text = stripVTControlCharacters(stdout).trim();
  const raw = VERSION_LINE.exec(text)?.[1] ?? (NUMBERS.test(text) ? text.split(/\s+/)[0] : undefined);
  if (raw === undefined) return undefined;
  const m = NUMBERS.exec(raw);
  if (!m) return undefined;
  return {
    raw,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3] ?? 0),
    nightly: /\.dev\d+/.test(raw),
  };
}

/** True when `version` is at least `major.minor`. */
export function skyVersionAtLeast(version: SkyVersion, major: number, minor: number): boolean {
  if (version.nightly) return true;
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * The fallback when `--help` cannot be read: only what every build of a version has. Never `-o json`
 * (no release is known to carry it, and the table works everywhere); `--secret` from 0.10.3, since a
 * build calling itself 0.10.0 may predate it; `sky api` from 0.9 (0.8.0 runs in-process).
 */
export function skyFeatures(version: SkyVersion): SkyFeatures {
  const atLeast = (minor: number, patch = 0) =>
    version.nightly ||
    version.major > 0 ||
    version.minor > minor ||
    (version.minor === minor && version.patch >= patch);
  return {
    jsonOutput: false,
    checkJson: false,
    secretFlag: atLeast(10, 3),
    infraFlag: atLeast(10),
    detachSetup: !atLeast(9),
    apiServer: atLeast(9),
    apiCancelYes: atLeast(11),
    jobExitCodes: atLeast(9),
    source: "version",
  };
}
