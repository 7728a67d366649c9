/**
 * Classifies a finished `sky` command from its exit code and output (skypilot-cli.md §5, §8.5):
 * 0 ok, 100–103 job outcome, 2 CLI misuse or version skew, 1 everything else — told apart by the
 * exception text on stderr. Pure; every message names the next action.
 */
import type { CodeOfFamily } from "../../errors/codes.ts";
import { stripAnsi } from "./status-output.ts";

/** The catalog's `sky-failure` family (src/errors/codes.ts). */
export type SkyFailureCode = CodeOfFamily<"sky-failure">;

export interface SkyFailureInput {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The cluster the command was about; otherwise read from the output when it names one. */
  cluster?: string | undefined;
}

export interface SkyFailure {
  code: SkyFailureCode;
  message: string;
  hint: string;
  /** The command left VMs running (e.g. INIT after a failed image pull): they cost money until torn down. */
  clusterLeftBilled: boolean;
  /** The exception line sky printed, e.g. `sky.exceptions.CommandError: Command docker login … failed …`. */
  detail?: string;
}

const EXCEPTION_LINE = /^((?:sky\.exceptions\.)?[A-Za-z_][\w.]*(?:Error|Exception|Cancelled|Exist)): (.*)$/;

/** The exception sky printed (`<module>.<Name>: <message>`), else the last non-empty stderr line. */
function exceptionLine(stderr: string): { name: string | undefined; line: string | undefined } {
  const lines = stderr.split(/\r?\n/).filter((l) => l.trim() !== "");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = EXCEPTION_LINE.exec(lines[i] ?? "");
    if (m) return { name: m[1]?.replace(/^sky\.exceptions\./, ""), line: lines[i] };
  }
  return { name: undefined, line: lines.at(-1) };
}

function clusterFrom(text: string): string | undefined {
  const patterns = [
    /Running on cluster: (\S+)/,
    /Launching a new cluster '([^']+)'/,
    /Restarting the stopped cluster '([^']+)'/,
    /Cluster launched: ([^.\s]+)/,
    /Submitting job to cluster: (\S+)/,
    /(?:Terminating|Stopping) cluster (\S+?)\.\.\./,
    /for cluster '([^']+)'/,
    /Cluster '([^']+)' does not exist/,
    /down the existing cluster first: sky down (\S+)/,
  ];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

function billedNote(name: string): string {
  return `the cluster ${name} is left INIT and billed; \`rhx apply --yes\` tears it down and relaunches, or \`rhx down ${name}\``;
}

/**
 * Returns undefined when sky reported success. `sky down/stop/autostop` exit 0 even when a cluster
 * failed ("…failed. Reason: …", "Cluster(s) failed."): that is still classified as a failure.
 */
export function classifySkyFailure(input: SkyFailureInput): SkyFailure | undefined {
  const stdout = stripAnsi(input.stdout);
  const stderr = stripAnsi(input.stderr);
  const text = `${stderr}\n${stdout}`;
  const exit = input.exitCode;
  const cluster = input.cluster ?? clusterFrom(text);
  const name = cluster ?? "the cluster";
  const named = cluster ?? "<cluster>";
  const { name: exception, line } = exceptionLine(stderr);
  const detail = line?.trim();
  const withDetail = (failure: Omit<SkyFailure, "detail">): SkyFailure =>
    detail === undefined ? failure : { ...failure, detail };

  if (exit === 0) {
    const failed =
      /\.\.\.failed\.\s*\n?\s*Reason: (.*)|Cluster\(s\) failed\. See details above\.|: skipped for cluster/.exec(
        stdout,
      );
    if (!failed) return undefined;
    const reason = /Reason: (.*)/.exec(stdout)?.[1]?.trim();
    const downing = /Terminating cluster/.test(stdout);
    return {
      code: "RHX_SKY_FAILED",
      message: downing
        ? `\`sky down\` reported that tearing down ${name} failed${reason ? `: ${reason}` : ""}. The cluster may still be running and billed.`
        : `sky reported a failure for ${name} although it exited 0${reason ? `: ${reason}` : ""}.`,
      hint: downing
        ? `Retry \`rhx down ${named}\`; if the VMs are already gone in the cloud console, \`sky down --purge ${named}\` drops the record.`
        : `Check \`sky status ${named}\` and retry.`,
      clusterLeftBilled: downing,
    };
  }

  if (
    exit === 130 ||
    exception === "RequestCancelled" ||
    /Request will continue running asynchronously/.test(stdout)
  ) {
    const request = /sky api cancel (\S+)/.exec(stdout)?.[1];
    return withDetail({
      code: "RHX_SKY_FAILED",
      message: `The sky command was interrupted; SkyPilot's API server may still be provisioning ${name}.`,
      hint: `${request ? `Cancel the request with \`sky api cancel ${request}\`, then ` : ""}tear down whatever was created with \`rhx down ${named}\` (or \`sky down -y ${named}\`).`,
      clusterLeftBilled: true,
    });
  }

  if (exception === "ApiServerConnectionError" || /Could not connect to SkyPilot API server/.test(text)) {
    const url = /SkyPilot API server at (\S+?)\.?(?:\s|$)/.exec(text)?.[1] ?? "its endpoint";
    return withDetail({
      code: "RHX_SKY_API_UNREACHABLE",
      message: `The SkyPilot API server at ${url} is not reachable, so sky could not run the command.`,
      hint: "Start a local server with `sky api start`, or check SKYPILOT_API_SERVER_ENDPOINT / `sky api info` for a remote one, then rerun.",
      clusterLeftBilled: false,
    });
  }

  if (exit === 2) {
    const error = /^Error: (.*)$/m.exec(stderr)?.[1]?.trim() ?? detail ?? "usage error";
    const unset = /^(\S+) is not set in local environment\.$/.exec(error);
    if (unset?.[1]) {
      return withDetail({
        code: "RHX_SKY_USAGE",
        message: `sky was asked to pass ${unset[1]} to the cluster by name, but it is not set in sky's environment.`,
        hint: `Set ${unset[1]} in your .env file or environment (an empty value is allowed), then rerun.`,
        clusterLeftBilled: false,
      });
    }
    return withDetail({
      code: "RHX_SKY_USAGE",
      message: `sky rejected the command line rhx built: ${error}`,
      hint: "The installed SkyPilot probably does not support a flag rhx chose; check `sky --version` against the versions rhx supports, upgrade SkyPilot, or report this.",
      clusterLeftBilled: false,
    });
  }

  if (exception === "ResourcesMismatchError" || /do not match the existing cluster/.test(text)) {
    return withDetail({
      code: "RHX_SKY_RESOURCES_MISMATCH",
      message: `The cluster ${named} already exists with different resources or image; SkyPilot will not change it in place.`,
      hint: `\`rhx apply --yes\` replaces it (tears it down and relaunches), or run \`rhx down ${named}\` first.`,
      clusterLeftBilled: false,
    });
  }

  const dockerSetup = /Failed to run docker setup commands/.test(text);
  if (dockerSetup || /Failed to set up SkyPilot runtime on cluster/.test(text)) {
    const notFound =
      /manifest unknown|manifest for \S+ not found|not found: manifest|repository does not exist(?! or may require)|No such image/i.test(
        text,
      );
    const auth =
      /unauthorized|incorrect username or password|authentication required|pull access denied|may require 'docker login'|denied: |authorization token has expired|Cannot perform an interactive login/i.test(
        text,
      );
    const daemon = /Error response from daemon: .*|Error: Cannot perform .*/.exec(text)?.[0]?.trim();
    if (notFound) {
      return withDetail({
        code: "RHX_SKY_IMAGE_NOT_FOUND",
        message: `The image could not be pulled because it does not exist${daemon ? ` (${daemon})` : ""}; ${billedNote(named)}.`,
        hint: `Fix the image name or tag (is it pushed?), then \`rhx apply --yes\`; or \`rhx down ${named}\` to stop paying for it.`,
        clusterLeftBilled: true,
      });
    }
    if (auth) {
      const expired = /authorization token has expired/i.test(text);
      return withDetail({
        code: "RHX_SKY_DOCKER_LOGIN",
        message: `The registry refused the docker credentials${daemon ? ` (${daemon})` : ""}; ${billedNote(named)}.`,
        hint: expired
          ? "ECR tokens expire after 12 hours: refresh SKYPILOT_DOCKER_PASSWORD (or leave it empty to use the instance role), then `rhx apply --yes`."
          : "Check SKYPILOT_DOCKER_USERNAME / SKYPILOT_DOCKER_PASSWORD / SKYPILOT_DOCKER_SERVER (bare registry host), then `rhx apply --yes`.",
        clusterLeftBilled: true,
      });
    }
    return withDetail({
      code: "RHX_SKY_FAILED",
      message: `SkyPilot could not set up its runtime ${dockerSetup ? "in the container " : ""}on ${name}; ${billedNote(named)}.`,
      hint: `See \`sky logs --provision ${named}\`. Images must be Debian/Ubuntu based with root or passwordless sudo.`,
      clusterLeftBilled: true,
    });
  }

  if (
    exception === "ResourcesUnavailableError" ||
    /Failed to provision all possible launchable resources/.test(text)
  ) {
    if (/which is not enabled|sky check/.test(detail ?? "")) {
      const cloud = /requires (\S+) which is not enabled/.exec(text)?.[1];
      return withDetail({
        code: "RHX_SKY_FAILED",
        message: `SkyPilot has no working credentials for ${cloud ?? "the requested cloud"}.`,
        hint: `Run \`sky check${cloud ? ` ${cloud.toLowerCase()}` : ""}\` and follow its hints, then rerun.`,
        clusterLeftBilled: false,
      });
    }
    if (/Catalog does not contain any instances/.test(text)) {
      return withDetail({
        code: "RHX_SKY_NO_CAPACITY",
        message: "No instance type offered by the enabled clouds matches the requested resources.",
        hint: "Relax cpus/memory/accelerators, or choose another cloud or region.",
        clusterLeftBilled: false,
      });
    }
    return withDetail({
      code: "RHX_SKY_NO_CAPACITY",
      message: `No capacity for ${name} in any region or zone SkyPilot tried; nothing was left running.`,
      hint: "Try another region, zone or instance type (or spot vs on-demand), let SkyPilot keep trying with `sky: {launch: {retry_until_up: true}}`, or run `rhx apply` again later.",
      clusterLeftBilled: false,
    });
  }

  if (exit !== undefined && exit >= 100 && exit <= 103) {
    const job = /Job (\d+)/.exec(stdout)?.[1];
    const jobRef = job ? ` ${job}` : "";
    const outcome = { 100: "failed", 101: "has not finished", 102: "was not found", 103: "was cancelled" }[
      exit
    ];
    const codes = /return code list: (\[[^\]]*\])/.exec(stdout)?.[1];
    return withDetail({
      code: "RHX_SKY_JOB_FAILED",
      message: `The job${jobRef} on ${name} ${outcome}${codes ? ` (return codes ${codes})` : ""}.`,
      hint: `See its output with \`sky logs ${named}${jobRef}\`; the cluster itself is up.`,
      clusterLeftBilled: false,
    });
  }

  if (exception === "ClusterDoesNotExist" || /Cluster '[^']+' does not exist/.test(text)) {
    return withDetail({
      code: "RHX_SKY_FAILED",
      message: `SkyPilot has no cluster named ${named}.`,
      hint: "`rhx apply` launches it; `rhx status` shows what exists.",
      clusterLeftBilled: false,
    });
  }

  if (exception === "ClusterNotUpError" || /It is only allowed for UP clusters/.test(text)) {
    const state = /\(status: (\w+)\)/.exec(text)?.[1] ?? "not UP";
    return withDetail({
      code: "RHX_SKY_FAILED",
      message: `The cluster ${named} is ${state}, so it cannot run commands.`,
      hint:
        state === "STOPPED"
          ? `Start it with \`sky start ${named}\` or \`rhx apply\`.`
          : `\`rhx apply --yes\` replaces a cluster stuck in ${state}, or \`rhx down ${named}\`.`,
      clusterLeftBilled: state === "INIT",
    });
  }

  if (
    exception === "InvalidClusterNameError" ||
    /Invalid (?:task|resources) YAML|Docker login variables must be specified|all of them must be set|is None\. Please set a value|Invalid task name/.test(
      text,
    )
  ) {
    return withDetail({
      code: "RHX_SKY_USAGE",
      message: `SkyPilot rejected the task rhx generated: ${detail?.replace(EXCEPTION_LINE, "$2") ?? "invalid task"}`,
      hint: "The installed SkyPilot may not know a field rhx wrote; check `sky --version` against the versions rhx supports, or report this.",
      clusterLeftBilled: false,
    });
  }

  if (/^Aborted!$/m.test(stderr)) {
    return withDetail({
      code: "RHX_SKY_USAGE",
      message: "sky asked for confirmation and aborted (no answer on stdin).",
      hint: "rhx always passes -y to sky; this is a bug in rhx, please report it.",
      clusterLeftBilled: false,
    });
  }

  const provisioned = /Instance is up|Cluster launched:/.test(stdout);
  return withDetail({
    code: "RHX_SKY_FAILED",
    message: `sky failed${exit === undefined ? "" : ` (exit ${exit})`}${detail ? `: ${detail}` : "."}`,
    hint: provisioned
      ? `VMs may be running: check \`sky status ${named}\` and tear down with \`rhx down ${named}\` if needed.`
      : "Rerun with SKYPILOT_DEBUG=1 for a traceback.",
    clusterLeftBilled: provisioned,
  });
}
