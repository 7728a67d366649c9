/**
 * `sky --version` parsing and the flags each SkyPilot version supports (skypilot-cli.md §0).
 * Pure: the driver runs the command once per rhx run and passes its stdout here.
 */

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
  /** `-o json` on `sky status` / `sky check` (≥0.12). */
  jsonOutput: boolean;
  /** `--secret KEY` and YAML `secrets:` (≥0.10). */
  secretFlag: boolean;
  /** `--infra` and `resources.infra` (≥0.10); older versions take `--cloud/--region/--zone`. */
  infraFlag: boolean;
  /** `-s/--detach-setup` exists only before 0.8; passing it to ≥0.8 is a usage error (exit 2). */
  detachSetup: boolean;
  /** Client/server architecture (≥0.8): requests survive a killed client; `sky api cancel` exists. */
  apiServer: boolean;
  /** `sky launch/exec/logs` exit 100–103 for job outcomes (≥0.9); before, a failed job exits 0. */
  jobExitCodes: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const VERSION_LINE = /skypilot,\s+version\s+(\S+)/i;
const NUMBERS = /^v?(\d+)\.(\d+)(?:\.(\d+))?/;

/** Parses `skypilot, version X.Y.Z` (or a bare version); undefined when no version is found. */
export function parseSkyVersion(stdout: string): SkyVersion | undefined {
  const text = stdout.replace(ANSI, "").trim();
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

export function skyFeatures(version: SkyVersion): SkyFeatures {
  return {
    jsonOutput: skyVersionAtLeast(version, 0, 12),
    secretFlag: skyVersionAtLeast(version, 0, 10),
    infraFlag: skyVersionAtLeast(version, 0, 10),
    detachSetup: !skyVersionAtLeast(version, 0, 8),
    apiServer: skyVersionAtLeast(version, 0, 8),
    jobExitCodes: skyVersionAtLeast(version, 0, 9),
  };
}
