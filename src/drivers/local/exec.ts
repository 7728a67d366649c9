/**
 * Commands inside the cluster's container. Two rules shape this file:
 *  - Secrets never reach argv (README, "Security"): the command text goes on stdin, and the config's `env`
 *    goes as `-e NAME` with the value in the docker client's own environment, which docker forwards.
 *  - Killing `docker exec` does not stop what it started in the container. So every exec carries a
 *    marker variable, and on cancel or timeout a second exec finds the marked processes through /proc
 *    and kills them and their process groups (the exec'd shell is a session leader under runc).
 */
import { randomUUID } from "node:crypto";
import type { ClusterSpec } from "../../config/cluster.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { cancelled, DEFAULT_TAIL_LINES, timedOut } from "../exec.ts";
import type { ExecResult, StepOptions } from "../types.ts";
import type { DockerCli } from "./docker.ts";
import { userDockerConfigDir } from "./docker-config.ts";
import { containerName } from "./names.ts";

export const EXEC_MARKER = "RHX_EXEC_ID";

/**
 * Reads the whole command from stdin first, then runs it with stdin at /dev/null: with `sh -s` a
 * command that reads stdin (a prompt, `cat`) would swallow the rest of the script instead.
 */
const RUNNER_ARGV = ["/bin/sh", "-c", 'cmd=$(cat); exec </dev/null; eval "$cmd"'];

/**
 * TERM to every marked process and its group, ~2 s for them to go, then one more scan (children forked
 * meanwhile) and KILL. A zombie has an empty cmdline, so it counts as gone. Busybox-compatible.
 */
const KILLER = `m="${EXEC_MARKER}=$1"
marked() {
  for d in /proc/[0-9]*; do
    tr '\\0' '\\n' <"$d/environ" 2>/dev/null | grep -qxF "$m" && printf '%s ' "\${d#/proc/}"
  done
}
signal() { for p in $2; do kill -$1 -$p 2>/dev/null; kill -$1 $p 2>/dev/null; done; }
pids=$(marked)
[ -z "$pids" ] && exit 0
signal TERM "$pids"
i=0
while [ "$i" -lt 10 ]; do
  alive=
  for p in $pids; do grep -q . "/proc/$p/cmdline" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && break
  sleep 0.2
  i=$((i + 1))
done
signal KILL "$pids $(marked)"
exit 0`;

const KILL_TIMEOUT_MS = 15_000;

/** Variables the docker client reads itself: forwarding them through its environment would redirect it. */
const CLIENT_VARIABLES = /^DOCKER_/;

export async function execInContainer(
  cli: DockerCli,
  spec: Pick<ClusterSpec, "name" | "env">,
  command: string,
  options: StepOptions,
): Promise<ExecResult> {
  const name = containerName(spec.name);
  const names = Object.keys(spec.env);
  const reserved = names.filter((key) => CLIENT_VARIABLES.test(key));
  if (reserved.length > 0) {
    throw new RhxError({
      code: "RHX_EXEC_ENV_RESERVED",
      message: `env sets ${reserved.join(", ")}, which the docker client itself reads, so the local driver cannot pass it safely.`,
      hint: "Rename the variable, or set it in the image.",
    });
  }
  const token = randomUUID();
  const env: Record<string, string> = { ...spec.env };
  // A cluster's HOME is for the container; the client keeps finding the user's docker config.
  if ("HOME" in env) env.DOCKER_CONFIG = userDockerConfigDir(cli.env);

  // Kept here too: when the step is stopped, run() throws and its tail is gone with it.
  const recent: string[] = [];
  const onOutput = (line: string) => {
    recent.push(line);
    if (recent.length > DEFAULT_TAIL_LINES) recent.shift();
    options.onOutput(line);
  };
  // Our own controller, so that a cancel and a timeout both end in the in-container kill below.
  const stop = new AbortController();
  const onAbort = () => stop.abort("cancel");
  if (options.signal.aborted) throw cancelled(`exec in ${name}`, cli.redactor);
  options.signal.addEventListener("abort", onAbort, { once: true });
  const timer =
    options.timeoutMs === undefined ? undefined : setTimeout(() => stop.abort("timeout"), options.timeoutMs);
  try {
    const result = await cli
      .run(
        [
          "exec",
          "-i",
          "-e",
          `${EXEC_MARKER}=${token}`,
          ...names.flatMap((key) => ["-e", key]),
          name,
          ...RUNNER_ARGV,
        ],
        { engineErrors: false, signal: stop.signal, env, input: command, onOutput },
      )
      .catch(async (error: unknown) => {
        if (!stop.signal.aborted) throw error;
        await killMarked(cli, name, token);
        throw stop.signal.reason === "timeout"
          ? timedOut(`a command in ${name}`, options.timeoutMs ?? 0, recent, cli.redactor)
          : cancelled(`a command in ${name}`, cli.redactor);
      });
    if (result.exitCode !== 0) checkContainer(result.stderr, name);
    return { exitCode: result.exitCode, tail: result.tail };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
  }
}

async function killMarked(cli: DockerCli, name: string, token: string): Promise<void> {
  // No signal: this must run precisely because the step's signal has fired.
  await cli
    .run(["exec", name, "/bin/sh", "-c", KILLER, "rhx-kill", token], { timeoutMs: KILL_TIMEOUT_MS })
    .catch(() => undefined); // the container may be gone already, which also ends its processes
}

/**
 * `docker exec` exits 1 both for a command that failed and for a container that is not there. Only the
 * latter prints exactly one daemon line before anything ran, which is what is checked here.
 */
function checkContainer(stderr: string, name: string): void {
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  if (lines.length !== 1) return;
  const line = lines[0] ?? "";
  if (
    /^Error response from daemon: (No such container|Container .* is (not running|paused|restarting))/i.test(
      line,
    )
  ) {
    throw new RhxError({
      code: "RHX_CLUSTER_NOT_RUNNING",
      message: `${name} is not running: ${line.replace(/^Error response from daemon: /, "")}`,
      hint: "Run rhx apply to bring the cluster back.",
    });
  }
  if (/^(Cannot connect to the Docker daemon|error during connect)/i.test(line)) {
    throw new RhxError({
      code: "RHX_ENGINE_UNREACHABLE",
      message: `The Docker engine is not reachable: ${line}`,
      hint: "Start the engine (dockerd, or Docker Desktop) and check DOCKER_HOST / `docker context`.",
    });
  }
}
