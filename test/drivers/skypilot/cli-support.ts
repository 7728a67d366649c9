/**
 * End-to-end sandboxes for cloud providers: the real CLI as a child process (`node --import tsx
 * src/cli/bin.ts`, the tree as it is) with the fake `sky` and its ssh first on PATH, a fake `runhouse`
 * for what runs "on the cluster", a temp project (cluster.yaml + .env), a temp state dir and TMPDIR.
 * Every output is kept for the leak scan, which also reads the fake's invocation record (argv), the
 * state dir and TMPDIR (where task files must not be left behind).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { stringify } from "yaml";
import { FAKE_BIN, type Recorded, writeFakeRunhouse } from "./support.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CLI = join(ROOT, "src", "cli", "bin.ts");
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export const CLI_TIMEOUT_MS = 300_000;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class SkyCliBox {
  readonly base: string;
  readonly project: string;
  readonly stateDir: string;
  readonly tmp: string;
  readonly bin: string;
  readonly skyState: string;
  readonly record: string;
  readonly transcript: string[] = [];
  readonly version: string;

  constructor(version: string) {
    this.version = version;
    this.base = mkdtempSync(join(tmpdir(), "rhx-e2e-sky-"));
    this.project = join(this.base, "project");
    this.stateDir = join(this.base, "state");
    this.tmp = join(this.base, "tmp");
    this.bin = join(this.base, "bin");
    this.skyState = join(this.base, "sky");
    this.record = join(this.base, "sky-record.jsonl");
    for (const dir of [this.project, this.stateDir, this.tmp]) mkdirSync(dir, { recursive: true });
    writeFakeRunhouse(this.bin);
    writeFileSync(this.record, "");
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: [FAKE_BIN, this.bin, dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(
        delimiter,
      ),
      HOME: this.base,
      TMPDIR: this.tmp,
      RHX_STATE_DIR: this.stateDir,
      NO_COLOR: "1",
      FAKE_SKY_VERSION: this.version,
      FAKE_SKY_STATE: this.skyState,
      FAKE_SKY_RECORD: this.record,
      ...extra,
    };
  }

  /** Starts `rhx ARGS` without waiting (for signals). */
  spawn(args: readonly string[], extra: Record<string, string> = {}) {
    return execa(process.execPath, ["--import", TSX, CLI, ...args], {
      cwd: this.project,
      env: this.env(extra),
      extendEnv: false,
      reject: false,
      stdin: "ignore",
      timeout: CLI_TIMEOUT_MS,
    });
  }

  async rhx(args: readonly string[], extra: Record<string, string> = {}): Promise<CliResult> {
    return this.settle(this.spawn(args, extra));
  }

  async settle(
    child: PromiseLike<{ exitCode?: number | undefined; stdout?: unknown; stderr?: unknown }>,
  ): Promise<CliResult> {
    const result = await child;
    const out = {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
    };
    this.transcript.push(out.stdout, out.stderr);
    return out;
  }

  writeConfig(doc: Record<string, unknown>, file = "cluster.yaml"): string {
    writeFileSync(join(this.project, file), stringify(doc));
    return file;
  }

  writeEnv(vars: Record<string, string>): void {
    writeFileSync(
      join(this.project, ".env"),
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
  }

  /** Every invocation except the `--help` calls of rhx's flag detection (cached after the first run). */
  records(): Recorded[] {
    return readFileSync(this.record, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Recorded)
      .filter((r) => !r.argv.includes("--help"));
  }

  /** `sky` argv since `from` (an index into records()). */
  skyCalls(from = 0): string[][] {
    return this.records()
      .slice(from)
      .filter((r) => r.program !== "ssh")
      .map((r) => r.argv);
  }

  state(
    name: string,
  ): { stages: Record<string, { status: string; error?: { code: string; message: string } }> } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.stateDir, "clusters", `${name}.json`), "utf8"));
    } catch {
      return undefined;
    }
  }

  /** The fake's record of a cluster (its SkyPilot status), if any. */
  skyCluster(name: string): { status: string } | undefined {
    try {
      const state = JSON.parse(readFileSync(join(this.skyState, "state.json"), "utf8")) as {
        clusters: Partial<Record<string, { status: string }>>;
      };
      return state.clusters[name];
    } catch {
      return undefined;
    }
  }

  clusterHome(name: string): string {
    return join(this.skyState, "clusters", name);
  }

  /** Where a secret value turned up: outputs, the fake's record (argv, task summaries), state dir, TMPDIR. */
  leaks(secrets: readonly string[]): string[] {
    const needles = secrets.flatMap((s) => [s, Buffer.from(s).toString("base64"), encodeURIComponent(s)]);
    const hits: string[] = [];
    const check = (where: string, text: string) => {
      for (const needle of needles) if (text.includes(needle)) hits.push(where);
    };
    this.transcript.forEach((text, i) => {
      check(`output #${i}`, text);
    });
    check("sky record", readFileSync(this.record, "utf8"));
    for (const file of [...listFiles(this.stateDir), ...listFiles(this.tmp)])
      check(file, readFileSync(file, "latin1"));
    return [...new Set(hits)];
  }

  /** Task files left in TMPDIR (each must be removed after its `sky` call). */
  tmpLeftovers(): string[] {
    return listFiles(this.tmp).filter((file) => file.includes("rhx-sky-"));
  }

  /** Ends every cluster of this box (and every process on them) with the fake's `sky down -a -y --purge`, then removes it. */
  async cleanup(): Promise<void> {
    await execa(join(FAKE_BIN, "sky"), ["down", "-a", "-y", "--purge"], {
      env: this.env(),
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    rmSync(this.base, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      if (statSync(path).isDirectory()) out.push(...listFiles(path));
      else out.push(path);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
