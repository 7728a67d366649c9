/**
 * Commands inside the cluster's container, two ways (docs/skypilot.md, "What runs where"):
 *
 *  - `sky exec NAME TASK.yaml` for work that finishes (setup, install, the health check): a SkyPilot
 *    job, so it runs inside the container on every node, shows in `sky queue`/`sky logs`, and can be
 *    stopped with `sky cancel`. The command is the task's `run` (never on argv); the config's `env`
 *    goes by name with the values in sky's environment.
 *  - `ssh NAME` for the Runhouse server start: SkyPilot kills whatever a job leaves running when the job
 *    ends (sky/skylet/subprocess_daemon.py), so a server started by `sky exec` would die with its job.
 *    SkyPilot's ssh config lands in the container for docker clusters, which is where Runhouse itself
 *    ran its commands. The script (env exports, then the command) goes on ssh's stdin, never argv.
 */
import type { ClusterSpec } from "../../config/cluster.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { isRhxError, RhxError } from "../../errors/rhx-error.ts";
import { shellQuote } from "../../shell/quote.ts";
import { DEFAULT_TAIL_LINES, run } from "../exec.ts";
import type { ExecResult, StepOptions } from "../types.ts";
import type { SkyCli } from "./cli.ts";
import { commandFailure, failureError } from "./errors.ts";
import { stripAnsi } from "./status-output.ts";
import { withTaskFile } from "./task-file.ts";
import { execTask, taskYaml } from "./task-yaml.ts";

const CANCEL_TIMEOUT_MS = 60_000;

/** `(task, pid=123) text`, `(setup pid=9) text`, `(worker1, rank=1, pid=5, ip=…) text` → `text`. */
const JOB_PREFIX = /^\([^()]*\bpid=\d+[^()]*\) ?/;

export interface SkyExecOptions {
  /** The job's name in `sky queue`. */
  jobName: string;
  numNodes: number;
}

/** `sky exec NAME [--env K|--secret K …] TASK.yaml`. */
export function execArgs(cluster: string, flags: readonly string[], taskPath: string): string[] {
  return ["exec", cluster, ...flags, taskPath];
}

/** `sky cancel -y NAME JOB_ID`: stops the job itself (killing `sky exec` only stops its log stream). */
export function cancelJobArgs(cluster: string, jobId: string): string[] {
  return ["cancel", "-y", cluster, jobId];
}

export function jobOutput(line: string): string | undefined {
  const clean = stripAnsi(line);
  return JOB_PREFIX.test(clean) ? clean.replace(JOB_PREFIX, "") : undefined;
}

/** The job's own exit code from "ERROR: Job N failed with return code list: [3]" (first non-zero). */
export function jobReturnCode(stdout: string): number | undefined {
  const list = /failed with return code list: \[([^\]]*)\]/.exec(stripAnsi(stdout))?.[1];
  if (list === undefined) return undefined;
  const codes = list
    .split(",")
    .map((c) => Number(c.trim()))
    .filter((n) => Number.isInteger(n));
  return codes.find((n) => n !== 0) ?? codes[0];
}

export async function skyExec(
  cli: SkyCli,
  spec: Pick<ClusterSpec, "name" | "env" | "docker">,
  command: string,
  options: StepOptions,
  job: SkyExecOptions,
): Promise<ExecResult> {
  const info = await cli.probe(options.signal);
  const built = execTask(spec, command, info.features, { name: job.jobName, numNodes: job.numNodes });
  const yaml = taskYaml(
    built.task,
    `A job rhx runs on the cluster ${spec.name}; its variables' values reach sky only through its environment.`,
  );
  const tail: string[] = [];
  let jobId: string | undefined;
  const onOutput = (line: string) => {
    const output = jobOutput(line);
    if (output !== undefined) {
      tail.push(output);
      if (tail.length > DEFAULT_TAIL_LINES) tail.shift();
    }
    jobId ??= /Job submitted, ID: (\d+)/.exec(line)?.[1];
    options.onOutput(output ?? line);
  };
  return withTaskFile(job.jobName, yaml, async (path) => {
    let result: Awaited<ReturnType<SkyCli["run"]>>;
    try {
      result = await cli.run(execArgs(spec.name, built.flags, path), {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        env: built.env,
        onOutput,
      });
    } catch (error) {
      // Killing `sky exec` only stops the log stream ("job will not be killed"): cancel the job itself.
      if (isRhxError(error) && (error.code === "RHX_CANCELLED" || error.code === "RHX_STEP_TIMEOUT")) {
        if (jobId !== undefined) {
          await cli
            .run(cancelJobArgs(spec.name, jobId), { timeoutMs: CANCEL_TIMEOUT_MS })
            .catch(() => undefined);
        }
      }
      throw error;
    }
    const code = result.exitCode;
    // Before ≈0.9 a failed job still exits 0; the job's own codes are in the ERROR line either way.
    if (code === 0) return { exitCode: jobReturnCode(result.stdout) ?? 0, tail: [...tail] };
    if (code >= 100 && code <= 103) {
      const own = jobReturnCode(result.stdout);
      return { exitCode: own !== undefined && own !== 0 ? own : code === 100 ? 1 : code, tail: [...tail] };
    }
    const failure = commandFailure(result, spec.name);
    throw failure
      ? failureError(failure, cli.redactor)
      : new RhxError({
          code: "RHX_SKY_FAILED",
          message: `\`sky exec\` on ${spec.name} exited with code ${code}.`,
          exitCode: ExitCode.StepFailed,
        });
  });
}

/** Reads the whole script from stdin, then runs it with stdin at /dev/null (see local/exec.ts). */
export const REMOTE_RUNNER = `bash --login -c 'script=$(cat); exec </dev/null; eval "$script"'`;

/** ssh's own failures (exit 255), as opposed to a command that exited 255. */
const SSH_ERROR =
  /^(ssh: |kex_exchange_identification|Connection (closed|refused|reset|timed out)|Permission denied|Host key verification failed)/m;

export const SSH_CONNECT_OPTIONS = ["-o", "ConnectTimeout=30"];

/** A rejection handler naming a missing `ssh` as such (RHX_SSH_NOT_FOUND); `why` ends its first sentence. */
export function sshNotFound(why = ""): (error: unknown) => never {
  return (error) => {
    if (isRhxError(error) && error.code === "RHX_COMMAND_NOT_FOUND")
      throw new RhxError({
        code: "RHX_SSH_NOT_FOUND",
        message: `\`ssh\` (an OpenSSH client) was not found on PATH${why}.`,
        hint: "Install an OpenSSH client (openssh-client on Debian/Ubuntu); SkyPilot writes the ssh config for `ssh <cluster>`.",
      });
    throw error;
  };
}
/** No prompt can be answered here: fail at once instead of waiting for a password. */
const SSH_BATCH_OPTIONS = ["-o", "BatchMode=yes", ...SSH_CONNECT_OPTIONS];

export async function sshExec(
  cli: Pick<SkyCli, "env" | "redactor">,
  ssh: string,
  spec: Pick<ClusterSpec, "name" | "env">,
  command: string,
  options: StepOptions,
): Promise<ExecResult> {
  const exports = Object.entries(spec.env).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  const result = await run(ssh, ["-T", ...SSH_BATCH_OPTIONS, spec.name, REMOTE_RUNNER], {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    env: cli.env,
    redactor: cli.redactor,
    input: [...exports, command].join("\n"),
    onOutput: options.onOutput,
    allowFailure: true,
  }).catch(sshNotFound("; rhx starts the Runhouse server over ssh"));
  if (result.exitCode === 255 && SSH_ERROR.test(result.stderr)) {
    const said = result.stderr.split("\n").find((line) => SSH_ERROR.test(line)) ?? result.stderr;
    throw new RhxError({
      code: "RHX_SKY_SSH_FAILED",
      message: `ssh to ${spec.name} failed: ${said.trim()}`,
      hint: `SkyPilot writes the ssh config for ${spec.name} when \`sky status\` sees it UP; check \`sky status ${spec.name}\` and \`ssh ${spec.name} true\`.`,
      exitCode: ExitCode.StepFailed,
    });
  }
  return { exitCode: result.exitCode, tail: result.tail };
}
