/**
 * Parsers for `sky status` output (docs/skypilot.md, "Versions"): the `-o json` array (≥0.12) and the
 * borderless prettytable of both eras. Pure; the driver passes the captured stdout.
 */
import { stripVTControlCharacters } from "node:util";

export type SkyClusterState = "INIT" | "UP" | "STOPPED" | "AUTOSTOPPING" | "PENDING";

export interface SkyClusterStatus {
  name: string;
  status: SkyClusterState;
  /** Idle minutes before autostop/autodown; absent when none is scheduled. */
  autostop?: number;
  /** True when the scheduled autostop tears the cluster down (`(down)`). */
  autodown?: boolean;
  /** Epoch seconds of the last launch (JSON only). */
  launchedAt?: number;
  /** The table's relative launch time, e.g. `2 hrs ago` (table only). */
  launched?: string;
  /** Resources summary as SkyPilot prints it, e.g. `1x(cpus=8, mem=32, m6i.2xlarge, ...)`. */
  resources?: string;
  /** Where it runs, e.g. `AWS (us-east-1a)` (≥0.10 table; composed from cloud/region in JSON). */
  infra?: string;
  cloud?: string;
  region?: string;
  /** SkyPilot's id of this incarnation of the cluster (JSON only); a relaunch under the name changes it. */
  clusterHash?: string;
}

/** Output of `sky` that a parser could not make sense of; carries the text for the error report. */
export class SkyOutputError extends Error {
  readonly output: string;

  constructor(message: string, output: string) {
    super(message);
    this.name = "SkyOutputError";
    this.output = output;
  }
}

/** Removes ANSI colour escapes: log lines relayed from the API server keep them. */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

/**
 * Finds the JSON document a `-o json` command printed, tolerating prose before it (issue #10713:
 * "Cluster(s) not found: …", the local-server start lines) and after it. Starts from the last line
 * that begins with `open` at column 0 and takes everything from it.
 */
export function extractJson(text: string, open: "[" | "{"): unknown {
  const close = open === "[" ? "]" : "}";
  const lines = stripAnsi(text).split(/\r?\n/);
  for (let start = lines.length - 1; start >= 0; start--) {
    if (!lines[start]?.startsWith(open)) continue;
    for (let end = lines.length - 1; end >= start; end--) {
      if (!lines[end]?.trimEnd().endsWith(close)) continue;
      try {
        return JSON.parse(lines.slice(start, end + 1).join("\n"));
      } catch {
        // Not a complete document; try a shorter span, then an earlier start.
      }
    }
  }
  return undefined;
}

const STATES: readonly SkyClusterState[] = ["INIT", "UP", "STOPPED", "AUTOSTOPPING", "PENDING"];

function toState(value: unknown, output: string): SkyClusterState {
  // Records may carry the enum's repr (`ClusterStatus.UP`) in some versions.
  const text = typeof value === "string" ? value.replace(/^ClusterStatus\./, "").trim() : "";
  const state = STATES.find((s) => s === text);
  if (state === undefined)
    throw new SkyOutputError(`unknown cluster status ${JSON.stringify(value)}`, output);
  return state;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `sky status -o json [NAMES]` → clusters. `[]` (no match) is a valid, empty answer. */
export function parseStatusJson(stdout: string): SkyClusterStatus[] {
  const doc = extractJson(stdout, "[");
  if (!Array.isArray(doc)) throw new SkyOutputError("no JSON array in `sky status -o json` output", stdout);
  return doc.map((item): SkyClusterStatus => {
    if (!isRecord(item) || typeof item.name !== "string") {
      throw new SkyOutputError("a `sky status -o json` record has no name", stdout);
    }
    const result: SkyClusterStatus = { name: item.name, status: toState(item.status, stdout) };
    if (typeof item.autostop === "number" && item.autostop >= 0) result.autostop = item.autostop;
    if (item.to_down === true) result.autodown = true;
    if (typeof item.launched_at === "number") result.launchedAt = item.launched_at;
    const resources = item.resources_str_full ?? item.resources_str;
    if (typeof resources === "string") result.resources = resources;
    if (typeof item.cloud === "string") result.cloud = item.cloud;
    if (typeof item.region === "string") result.region = item.region;
    if (typeof item.cluster_hash === "string" && item.cluster_hash !== "")
      result.clusterHash = item.cluster_hash;
    if (result.cloud !== undefined) {
      result.infra = result.region === undefined ? result.cloud : `${result.cloud} (${result.region})`;
    }
    return result;
  });
}

/** `10m`, `10m (down)`, `(down)`, `-` → minutes / autodown. */
function parseAutostop(cell: string): Pick<SkyClusterStatus, "autostop" | "autodown"> {
  const result: Pick<SkyClusterStatus, "autostop" | "autodown"> = {};
  const minutes = /(\d+)\s*m(?:in)?/.exec(cell);
  if (minutes?.[1] !== undefined) result.autostop = Number(minutes[1]);
  if (cell.includes("(down)")) result.autodown = true;
  return result;
}

interface Column {
  name: string;
  start: number;
}

/** Header cells and where each starts: prettytable left-aligns, so a column's cells start there. */
function headerColumns(line: string): Column[] {
  const columns: Column[] = [];
  for (const m of line.matchAll(/\S+(?: \S+)*/g)) columns.push({ name: m[0], start: m.index });
  return columns;
}

function isClusterHeader(columns: Column[]): boolean {
  const names = columns.map((c) => c.name);
  return names[0] === "NAME" && names.includes("STATUS") && names.includes("AUTOSTOP");
}

/**
 * `sky status [NAMES]` table → clusters, keyed by header names so both eras parse:
 * `NAME LAUNCHED RESOURCES STATUS AUTOSTOP COMMAND` (≤0.9) and
 * `NAME INFRA RESOURCES STATUS AUTOSTOP LAUNCHED` (≥0.10), with or without `-v`/`-u` columns.
 * "No existing clusters." and "Cluster 'x' not found." give an empty list.
 */
export function parseStatusTable(stdout: string): SkyClusterStatus[] {
  const lines = stripAnsi(stdout).split(/\r?\n/);
  // The clusters table follows the "Clusters" heading; the services table also has NAME/STATUS.
  const heading = lines.findIndex((l) => l.trim() === "Clusters");
  const from = heading === -1 ? 0 : heading + 1;
  let headerAt = -1;
  let columns: Column[] = [];
  for (let i = from; i < lines.length; i++) {
    const candidate = headerColumns(lines[i] ?? "");
    if (isClusterHeader(candidate)) {
      headerAt = i;
      columns = candidate;
      break;
    }
  }
  if (headerAt === -1) {
    const text = lines.join("\n");
    if (/No existing clusters\.|Clusters? '.+' not found\.|not found \(tip: see/.test(text)) return [];
    throw new SkyOutputError("no cluster table in `sky status` output", stdout);
  }

  const cell = (line: string, name: string): string | undefined => {
    const index = columns.findIndex((c) => c.name === name);
    const column = columns[index];
    if (column === undefined) return undefined;
    const end = columns[index + 1]?.start ?? line.length;
    return line.slice(column.start, end).trim();
  };

  const clusters: SkyClusterStatus[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "" || /^\s/.test(line)) break;
    const statusText = cell(line, "STATUS") ?? "";
    const state = STATES.find((s) => s === statusText);
    // "Cluster 'x' not found." follows the table directly; it is not a row.
    if (state === undefined) break;
    const name = cell(line, "NAME") ?? "";
    const cluster: SkyClusterStatus = { name, status: state, ...parseAutostop(cell(line, "AUTOSTOP") ?? "") };
    const launched = cell(line, "LAUNCHED");
    if (launched !== undefined && launched !== "" && launched !== "-") cluster.launched = launched;
    const resources = cell(line, "RESOURCES");
    if (resources !== undefined && resources !== "" && resources !== "-") cluster.resources = resources;
    const infra = cell(line, "INFRA");
    if (infra !== undefined && infra !== "" && infra !== "-") {
      cluster.infra = infra;
      const m = /^(\S+)(?: \((.+)\))?$/.exec(infra);
      if (m?.[1] !== undefined) cluster.cloud = m[1];
    }
    const region = cell(line, "REGION");
    if (region !== undefined && region !== "" && region !== "-") cluster.region = region;
    clusters.push(cluster);
  }
  return clusters;
}
