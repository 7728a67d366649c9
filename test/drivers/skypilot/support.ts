/**
 * Sandboxes for the SkyPilot driver against the project's fake `sky` (and its fake `ssh`, which plays
 * SkyPilot's ssh config): a temp dir with the fake's state, its invocation record, rhx's state dir and
 * a bin dir holding a fake `runhouse` CLI for what runs "on the cluster" (jobs run locally there).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { type ClusterSpec, type DockerCredentials, normalizeCluster } from "../../../src/config/cluster.ts";
import type { ClusterFile } from "../../../src/config/schema.ts";
import { createSkyDriver, type SkyDriverOptions } from "../../../src/drivers/skypilot/index.ts";
import type { Driver, StepOptions } from "../../../src/drivers/types.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";

export const FAKE_BIN = fileURLToPath(new URL("../../fixtures/bin", import.meta.url));
export const VERSIONS = ["0.9.3", "0.12.1"] as const;

/**
 * A fake Runhouse CLI playing 0.0.36 (rhx's default): `--version` prints 0.0.36; `server restart|start
 * --port P` starts a detached Node HTTP server answering `GET /check` with `{"rh_version": "0.0.36"}`
 * and waits until it answers, as the real one waits for "Uvicorn running on". Like the real 0.0.36 CLI
 * (click), it has no top-level `restart`/`start`: those are a usage error, exit 2.
 */
export function writeFakeRunhouse(binDir: string): void {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(
    join(binDir, "fake-runhouse-server.cjs"),
    `const http = require("node:http");
const port = Number(process.argv[2]);
http
  .createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(req.url === "/check" ? '{"rh_version": "0.0.36"}' : "{}");
  })
  .listen(port, "127.0.0.1", () => console.log("Uvicorn running on http://127.0.0.1:" + port));
`,
  );
  writeFileSync(
    join(binDir, "runhouse"),
    `#!/bin/sh
# Fake Runhouse CLI for the SkyPilot driver's tests.
set -u
case "\${1:-}" in
  --version|-v) echo 0.0.36; exit 0 ;;
  server) shift ;;
  *)
    printf "Usage: runhouse [OPTIONS] COMMAND [ARGS]...\\nTry 'runhouse --help' for help.\\n\\nError: No such command '%s'.\\n" "\${1:-}" >&2
    exit 2 ;;
esac
cmd="\${1:-}"
case "$cmd" in
  restart|start)
    port=32300
    while [ $# -gt 0 ]; do [ "$1" = --port ] && port="$2"; shift; done
    mkdir -p "$HOME/.rh"
    if [ -f "$HOME/.rh/server.pid" ]; then kill "$(cat "$HOME/.rh/server.pid")" 2>/dev/null; sleep 0.2; fi
    echo "$(date) runhouse server $cmd --port $port" >>"$HOME/.rh/server.log"
    nohup node "$(dirname "$0")/fake-runhouse-server.cjs" "$port" >>"$HOME/.rh/server.log" 2>&1 </dev/null &
    echo $! >"$HOME/.rh/server.pid"
    i=0
    while [ $i -lt 100 ]; do
      if curl -sf "http://127.0.0.1:$port/check" >/dev/null 2>&1; then echo "Uvicorn running on http://127.0.0.1:$port"; exit 0; fi
      sleep 0.1; i=$((i + 1))
    done
    echo "runhouse: the server did not come up" >&2
    exit 1 ;;
  *)
    printf "Usage: runhouse server [OPTIONS] COMMAND [ARGS]...\\nTry 'runhouse server --help' for help.\\n\\nError: No such command '%s'.\\n" "$cmd" >&2
    exit 2 ;;
esac
`,
    { mode: 0o755 },
  );
}

export interface Recorded {
  program?: string;
  pid?: number;
  argv: string[];
  env?: Record<string, { set: boolean; nonEmpty: boolean }>;
  task?: {
    path: string;
    mode: string;
    keys: string[];
    envNames: string[];
    secretNames: string[];
    resources: Record<string, unknown> | null;
  };
}

export class SkyBox {
  readonly dir: string;
  readonly stateDir: string;
  readonly bin: string;
  readonly record: string;
  /** The fake's state (FAKE_SKY_STATE): another box given it sees the same clusters. */
  readonly skyStateDir: string;
  readonly env: Record<string, string>;
  /** The run's redactor of every driver this box makes: tests register their secrets here. */
  readonly redactor = new Redactor();

  constructor(version: string, extra: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "rhx-sky-driver-"));
    this.stateDir = join(this.dir, "rhx-state");
    this.bin = join(this.dir, "bin");
    this.record = join(this.dir, "record.jsonl");
    this.skyStateDir = Object.hasOwn(extra, "FAKE_SKY_STATE")
      ? String(extra.FAKE_SKY_STATE)
      : join(this.dir, "sky");
    writeFakeRunhouse(this.bin);
    writeFileSync(this.record, "");
    this.env = {
      PATH: [FAKE_BIN, this.bin, dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(
        delimiter,
      ),
      HOME: this.dir,
      FAKE_SKY_VERSION: version,
      FAKE_SKY_STATE: this.skyStateDir,
      FAKE_SKY_RECORD: this.record,
      ...extra,
    };
  }

  driver(env: Record<string, string> = {}, options: Partial<SkyDriverOptions> = {}): Driver {
    return createSkyDriver({
      env: { ...this.env, ...env },
      redactor: this.redactor,
      stateDir: this.stateDir,
      healthPollIntervalMs: 200,
      ...options,
    });
  }

  /** What the pipeline writes before a launch: the record that makes a cluster rhx's. */
  own(name: string): void {
    mkdirSync(join(this.stateDir, "clusters"), { recursive: true });
    writeFileSync(
      join(this.stateDir, "clusters", `${name}.json`),
      JSON.stringify({ version: 1, name, driver: "skypilot", provider: "aws" }),
    );
  }

  /** Every invocation except the `--help` calls of rhx's flag detection (see helpCalls). */
  records(): Recorded[] {
    return this.allRecords().filter((r) => !r.argv.includes("--help"));
  }

  private allRecords(): Recorded[] {
    return readFileSync(this.record, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Recorded);
  }

  skyCalls(): string[][] {
    return this.records()
      .filter((r) => r.program !== "ssh")
      .map((r) => r.argv);
  }

  /** The `--help` calls of the flag detection (4 on a run that finds no cached answer). */
  helpCalls(): string[][] {
    return this.allRecords()
      .filter((r) => r.program !== "ssh" && r.argv.includes("--help"))
      .map((r) => r.argv);
  }

  /** The fake's own state file (clusters, jobs, requests). */
  skyState(): {
    clusters: Partial<Record<string, { status: string; jobs: { id: number; status: string }[] }>>;
    requests: { request_id: string; status: string }[];
  } {
    try {
      return JSON.parse(readFileSync(join(this.skyStateDir, "state.json"), "utf8"));
    } catch {
      return { clusters: {}, requests: [] };
    }
  }

  clusterHome(name: string): string {
    return join(this.skyStateDir, "clusters", name);
  }

  /** Ends every cluster of the fake (and every process on them) with `sky down -a -y --purge`, then removes the box. */
  async cleanup(): Promise<void> {
    await execa(join(FAKE_BIN, "sky"), ["down", "-a", "-y", "--purge"], {
      env: this.env,
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const CREDENTIALS: DockerCredentials = {
  username: "deploy-bot",
  password: "Sky-Driver-Canary-Password-5d1e",
  server: "127.0.0.1:5999",
  source: "environment",
};

export function clusterSpec(file: Partial<ClusterFile> = {}, docker?: DockerCredentials): ClusterSpec {
  return normalizeCluster(
    { name: "demo", provider: "aws", image_id: "docker:team/app:1.0", ...file } as ClusterFile,
    docker,
  );
}

export function step(lines: string[] = [], signal = new AbortController().signal): StepOptions {
  return { signal, onOutput: (line) => lines.push(line) };
}
