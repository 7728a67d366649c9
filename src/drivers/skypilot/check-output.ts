/**
 * Parsers for `sky check` (docs/skypilot.md): which clouds/infra SkyPilot can use. Pure.
 * Names are canonical lowercase keys: `AWS` → `aws`, `Kubernetes` → `kubernetes`,
 * `Cloudflare (for R2 object store)` → `cloudflare`, `vSphere` → `vsphere`.
 */
import { extractJson, SkyOutputError, stripAnsi } from "./status-output.ts";

export type SkyCapability = "compute" | "storage";

export interface CheckParseOptions {
  /** Only clouds with this capability (e.g. `compute` to launch clusters). Default: any. */
  capability?: SkyCapability;
  /** Only this workspace (JSON output, or text with per-workspace sections). Default: all. */
  workspace?: string;
}

export function canonicalCloudName(display: string): string {
  const first = display.trim().split(/\s+/)[0] ?? "";
  return first.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function sortUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `sky check -o json` (≥0.12): `{"<workspace>": {"AWS": ["compute", "storage"], …}}`. */
export function parseCheckJson(stdout: string, options: CheckParseOptions = {}): string[] {
  const doc = extractJson(stdout, "{");
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new SkyOutputError("no JSON object in `sky check -o json` output", stdout);
  }
  const names: string[] = [];
  for (const [workspace, clouds] of Object.entries(doc)) {
    if (options.workspace !== undefined && workspace !== options.workspace) continue;
    if (typeof clouds !== "object" || clouds === null) continue;
    for (const [cloud, capabilities] of Object.entries(clouds as Record<string, unknown>)) {
      if (!Array.isArray(capabilities) || capabilities.length === 0) continue;
      if (options.capability !== undefined && !capabilities.includes(options.capability)) continue;
      names.push(canonicalCloudName(cloud));
    }
  }
  return sortUnique(names);
}

interface Entry {
  name: string;
  /** Undefined when the era's text does not list capabilities. */
  capabilities: string[] | undefined;
}

function capabilitiesOf(text: string): string[] | undefined {
  const m = /\[([^\]]*)\]/.exec(text);
  return m?.[1] === undefined
    ? undefined
    : m[1]
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean);
}

function keep(entry: Entry, options: CheckParseOptions): boolean {
  if (options.capability === undefined) return true;
  // Pre-capability text (≤0.9) only lists clouds; Cloudflare R2 is storage-only.
  if (entry.capabilities === undefined)
    return options.capability === "storage" || entry.name !== "cloudflare";
  return entry.capabilities.includes(options.capability);
}

/**
 * `sky check` text of both eras. Reads the "🎉 Enabled infra 🎉" (≥0.10) or "🎉 Enabled clouds 🎉"
 * (older, "✔ AWS" lines) summary; without a summary, the per-cloud "  AWS: enabled …" lines.
 */
export function parseCheckText(stdout: string, options: CheckParseOptions = {}): string[] {
  const lines = stripAnsi(stdout).split(/\r?\n/);
  const summary: Entry[] = [];
  let sawSummary = false;
  for (let i = 0; i < lines.length; i++) {
    const heading = /Enabled (?:infra|clouds)(?: for workspace: '([^']*)')?/.exec(lines[i] ?? "");
    if (!heading) continue;
    sawSummary = true;
    const workspace = heading[1] ?? "default";
    const wanted = options.workspace === undefined || options.workspace === workspace;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim() === "") break;
      // Summary entries are indented two spaces; deeper lines are context details.
      if (/^ {3}/.test(line)) continue;
      const m = /^ {2}(?:✔\s*)?(\S.*)$/.exec(line);
      if (!m?.[1]) break;
      if (/^No (?:infra|cloud)/.test(m[1])) continue;
      const name = m[1].replace(/\s*\[.*$/, "");
      if (wanted) summary.push({ name: canonicalCloudName(name), capabilities: capabilitiesOf(m[1]) });
    }
  }
  if (sawSummary) return sortUnique(summary.filter((e) => keep(e, options)).map((e) => e.name));

  const perCloud: Entry[] = [];
  for (const line of lines) {
    const m = /^ {2}(\S[^:]*): enabled\b(.*)$/.exec(line);
    if (m?.[1]) perCloud.push({ name: canonicalCloudName(m[1]), capabilities: capabilitiesOf(m[2] ?? "") });
  }
  if (perCloud.length > 0 || /No cloud is enabled|Checking credentials to enable/.test(stdout)) {
    return sortUnique(perCloud.filter((e) => keep(e, options)).map((e) => e.name));
  }
  throw new SkyOutputError("no enabled-cloud summary in `sky check` output", stdout);
}
