/**
 * Classifies a finished `sky` command from its exit code and output (docs/skypilot.md, "Failures"):
 * 0 ok, 100–103 job outcome, 2 CLI misuse or version skew, 1 everything else — told apart by the
 * exception text on stderr. Pure; every message names the next action.
 */

import { DOCKER_ENV, DOCKER_ENV_NAMES } from "../../config/credentials.ts";
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

/** What the rules read: the output without colour, the exception sky printed, the cluster's name. */
interface Facts {
  exit: number | undefined;
  stdout: string;
  stderr: string;
  /** stderr then stdout. */
  text: string;
  /** The exception's class name without `sky.exceptions.`. */
  exception: string | undefined;
  /** The exception line (or last stderr line), trimmed. */
  detail: string | undefined;
  /** The cluster, or "the cluster" in prose. */
  name: string;
  /** The cluster, or "<cluster>" in commands. */
  named: string;
}

type Classified = Omit<SkyFailure, "detail">;

/**
 * One failure shape: the first rule whose `match` holds decides the error. Order matters, as in an
 * if-chain: a specific rule comes before the general one it refines (an image that does not exist is
 * also a failed runtime setup). `detail: false` leaves out the exception line.
 */
interface Rule {
  name: string;
  match: (facts: Facts) => boolean;
  error: (facts: Facts) => Classified;
  detail?: false;
}

/** `sky down/stop/autostop` exit 0 even when a cluster failed; these say it did. */
const FAILED_DESPITE_EXIT_0 =
  /\.\.\.failed\.\s*\n?\s*Reason: (.*)|Cluster\(s\) failed\. See details above\.|: skipped for cluster/;

const IMAGE_NOT_FOUND =
  /manifest unknown|manifest for \S+ not found|not found: manifest|repository does not exist(?! or may require)|No such image/i;

const REGISTRY_AUTH =
  /unauthorized|incorrect username or password|authentication required|pull access denied|may require 'docker login'|denied: |authorization token has expired|Cannot perform an interactive login/i;

const runtimeSetupFailed = (f: Facts) =>
  /Failed to run docker setup commands/.test(f.text) ||
  /Failed to set up SkyPilot runtime on cluster/.test(f.text);

const noResources = (f: Facts) =>
  f.exception === "ResourcesUnavailableError" ||
  /Failed to provision all possible launchable resources/.test(f.text);

/** The daemon's own words about a failed pull, when sky relayed them. */
const daemonSays = (f: Facts) => {
  const daemon = /Error response from daemon: .*|Error: Cannot perform .*/.exec(f.text)?.[0]?.trim();
  return daemon ? ` (${daemon})` : "";
};

/** `Error: …` of a click usage error. */
const usageError = (f: Facts) => /^Error: (.*)$/m.exec(f.stderr)?.[1]?.trim() ?? f.detail ?? "usage error";

const unsetVariable = (f: Facts) => /^(\S+) is not set in local environment\.$/.exec(usageError(f))?.[1];

const RULES: readonly Rule[] = [
  {
    name: "exit 0, but a cluster failed",
    match: (f) => f.exit === 0,
    detail: false,
    error: (f) => {
      const reason = /Reason: (.*)/.exec(f.stdout)?.[1]?.trim();
      const because = reason ? `: ${reason}` : "";
      const downing = /Terminating cluster/.test(f.stdout);
      return {
        code: "RHX_SKY_FAILED",
        message: downing
          ? `\`sky down\` reported that tearing down ${f.name} failed${because}. The cluster may still be running and billed.`
          : `sky reported a failure for ${f.name} although it exited 0${because}.`,
        hint: downing
          ? `Retry \`rhx down ${f.named}\`; if the VMs are already gone in the cloud console, \`sky down --purge ${f.named}\` drops the record.`
          : `Check \`sky status ${f.named}\` and retry.`,
        clusterLeftBilled: downing,
      };
    },
  },
  {
    name: "interrupted",
    match: (f) =>
      f.exit === 130 ||
      f.exception === "RequestCancelled" ||
      /Request will continue running asynchronously/.test(f.stdout),
    error: (f) => {
      const request = /sky api cancel (\S+)/.exec(f.stdout)?.[1];
      return {
        code: "RHX_SKY_FAILED",
        message: `The sky command was interrupted; SkyPilot's API server may still be provisioning ${f.name}.`,
        hint: `${request ? `Cancel the request with \`sky api cancel ${request}\`, then ` : ""}tear down whatever was created with \`rhx down ${f.named}\` (or \`sky down -y ${f.named}\`).`,
        clusterLeftBilled: true,
      };
    },
  },
  {
    name: "API server unreachable",
    match: (f) =>
      f.exception === "ApiServerConnectionError" || /Could not connect to SkyPilot API server/.test(f.text),
    error: (f) => ({
      code: "RHX_SKY_API_UNREACHABLE",
      message: `The SkyPilot API server at ${/SkyPilot API server at (\S+?)\.?(?:\s|$)/.exec(f.text)?.[1] ?? "its endpoint"} is not reachable, so sky could not run the command.`,
      hint: "Start a local server with `sky api start`, or check SKYPILOT_API_SERVER_ENDPOINT / `sky api info` for a remote one, then rerun.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "a variable passed by name is not set",
    match: (f) => f.exit === 2 && unsetVariable(f) !== undefined,
    error: (f) => ({
      code: "RHX_SKY_USAGE",
      message: `sky was asked to pass ${unsetVariable(f)} to the cluster by name, but it is not set in sky's environment.`,
      hint: `Set ${unsetVariable(f)} in your .env file or environment (an empty value is allowed), then rerun.`,
      clusterLeftBilled: false,
    }),
  },
  {
    name: "command line rejected",
    match: (f) => f.exit === 2,
    error: (f) => ({
      code: "RHX_SKY_USAGE",
      message: `sky rejected the command line rhx built: ${usageError(f)}`,
      hint: "The installed SkyPilot probably does not support a flag rhx chose; check `sky --version` against the versions rhx supports, upgrade SkyPilot, or report this.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "resources or image differ from the existing cluster",
    match: (f) =>
      f.exception === "ResourcesMismatchError" || /do not match the existing cluster/.test(f.text),
    error: (f) => ({
      code: "RHX_SKY_RESOURCES_MISMATCH",
      message: `The cluster ${f.named} already exists with different resources or image; SkyPilot will not change it in place.`,
      hint: `\`rhx apply --yes\` replaces it (tears it down and relaunches), or run \`rhx down ${f.named}\` first.`,
      clusterLeftBilled: false,
    }),
  },
  {
    name: "the image does not exist",
    match: (f) => runtimeSetupFailed(f) && IMAGE_NOT_FOUND.test(f.text),
    error: (f) => ({
      code: "RHX_SKY_IMAGE_NOT_FOUND",
      message: `The image could not be pulled because it does not exist${daemonSays(f)}; ${billedNote(f.named)}.`,
      hint: `Fix the image name or tag (is it pushed?), then \`rhx apply --yes\`; or \`rhx down ${f.named}\` to stop paying for it.`,
      clusterLeftBilled: true,
    }),
  },
  {
    name: "the registry refused the login",
    match: (f) => runtimeSetupFailed(f) && REGISTRY_AUTH.test(f.text),
    error: (f) => ({
      code: "RHX_SKY_DOCKER_LOGIN",
      message: `The registry refused the docker credentials${daemonSays(f)}; ${billedNote(f.named)}.`,
      hint: /authorization token has expired/i.test(f.text)
        ? `ECR tokens expire after 12 hours: refresh ${DOCKER_ENV.password} (or leave it empty to use the instance role), then \`rhx apply --yes\`.`
        : `Check ${DOCKER_ENV_NAMES.join(" / ")} (bare registry host), then \`rhx apply --yes\`.`,
      clusterLeftBilled: true,
    }),
  },
  {
    name: "runtime setup failed",
    match: runtimeSetupFailed,
    error: (f) => ({
      code: "RHX_SKY_FAILED",
      message: `SkyPilot could not set up its runtime ${/Failed to run docker setup commands/.test(f.text) ? "in the container " : ""}on ${f.name}; ${billedNote(f.named)}.`,
      hint: `See \`sky logs --provision ${f.named}\`. Images must be Debian/Ubuntu based with root or passwordless sudo.`,
      clusterLeftBilled: true,
    }),
  },
  {
    name: "the cloud is not enabled",
    match: (f) => noResources(f) && /which is not enabled|sky check/.test(f.detail ?? ""),
    error: (f) => {
      const cloud = /requires (\S+) which is not enabled/.exec(f.text)?.[1];
      return {
        code: "RHX_SKY_FAILED",
        message: `SkyPilot has no working credentials for ${cloud ?? "the requested cloud"}.`,
        hint: `Run \`sky check${cloud ? ` ${cloud.toLowerCase()}` : ""}\` and follow its hints, then rerun.`,
        clusterLeftBilled: false,
      };
    },
  },
  {
    name: "no instance type matches",
    match: (f) => noResources(f) && /Catalog does not contain any instances/.test(f.text),
    error: () => ({
      code: "RHX_SKY_NO_CAPACITY",
      message: "No instance type offered by the enabled clouds matches the requested resources.",
      hint: "Relax cpus/memory/accelerators, or choose another cloud or region.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "no capacity",
    match: noResources,
    error: (f) => ({
      code: "RHX_SKY_NO_CAPACITY",
      message: `No capacity for ${f.name} in any region or zone SkyPilot tried; nothing was left running.`,
      hint: "Try another region, zone or instance type (or spot vs on-demand), let SkyPilot keep trying with `sky: {launch: {retry_until_up: true}}`, or run `rhx apply` again later.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "job outcome (exit 100–103)",
    match: (f) => f.exit !== undefined && f.exit >= 100 && f.exit <= 103,
    error: (f) => {
      const job = /Job (\d+)/.exec(f.stdout)?.[1];
      const jobRef = job ? ` ${job}` : "";
      const outcome = JOB_OUTCOMES[f.exit ?? 100];
      const codes = /return code list: (\[[^\]]*\])/.exec(f.stdout)?.[1];
      return {
        code: "RHX_SKY_JOB_FAILED",
        message: `The job${jobRef} on ${f.name} ${outcome}${codes ? ` (return codes ${codes})` : ""}.`,
        hint: `See its output with \`sky logs ${f.named}${jobRef}\`; the cluster itself is up.`,
        clusterLeftBilled: false,
      };
    },
  },
  {
    name: "no such cluster",
    match: (f) => f.exception === "ClusterDoesNotExist" || /Cluster '[^']+' does not exist/.test(f.text),
    error: (f) => ({
      code: "RHX_SKY_FAILED",
      message: `SkyPilot has no cluster named ${f.named}.`,
      hint: "`rhx apply` launches it; `rhx status` shows what exists.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "the cluster is not UP",
    match: (f) => f.exception === "ClusterNotUpError" || /It is only allowed for UP clusters/.test(f.text),
    error: (f) => {
      const state = /\(status: (\w+)\)/.exec(f.text)?.[1] ?? "not UP";
      return {
        code: "RHX_SKY_FAILED",
        message: `The cluster ${f.named} is ${state}, so it cannot run commands.`,
        hint:
          state === "STOPPED"
            ? `Start it with \`sky start ${f.named}\` or \`rhx apply\`.`
            : `\`rhx apply --yes\` replaces a cluster stuck in ${state}, or \`rhx down ${f.named}\`.`,
        clusterLeftBilled: state === "INIT",
      };
    },
  },
  {
    name: "the generated task was rejected",
    match: (f) =>
      f.exception === "InvalidClusterNameError" ||
      /Invalid (?:task|resources) YAML|Docker login variables must be specified|all of them must be set|is None\. Please set a value|Invalid task name/.test(
        f.text,
      ),
    error: (f) => ({
      code: "RHX_SKY_USAGE",
      message: `SkyPilot rejected the task rhx generated: ${f.detail?.replace(EXCEPTION_LINE, "$2") ?? "invalid task"}`,
      hint: "The installed SkyPilot may not know a field rhx wrote; check `sky --version` against the versions rhx supports, or report this.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "a confirmation prompt aborted",
    match: (f) => /^Aborted!$/m.test(f.stderr),
    error: () => ({
      code: "RHX_SKY_USAGE",
      message: "sky asked for confirmation and aborted (no answer on stdin).",
      hint: "rhx always passes -y to sky; this is a bug in rhx, please report it.",
      clusterLeftBilled: false,
    }),
  },
  {
    name: "anything else",
    match: () => true,
    error: (f) => {
      const provisioned = /Instance is up|Cluster launched:/.test(f.stdout);
      return {
        code: "RHX_SKY_FAILED",
        message: `sky failed${f.exit === undefined ? "" : ` (exit ${f.exit})`}${f.detail ? `: ${f.detail}` : "."}`,
        hint: provisioned
          ? `VMs may be running: check \`sky status ${f.named}\` and tear down with \`rhx down ${f.named}\` if needed.`
          : "Rerun with SKYPILOT_DEBUG=1 for a traceback.",
        clusterLeftBilled: provisioned,
      };
    },
  },
];

const JOB_OUTCOMES: Readonly<Record<number, string>> = {
  100: "failed",
  101: "has not finished",
  102: "was not found",
  103: "was cancelled",
};

/**
 * Returns undefined when sky reported success. `sky down/stop/autostop` exit 0 even when a cluster
 * failed ("…failed. Reason: …", "Cluster(s) failed."): that is still classified as a failure.
 */
export function classifySkyFailure(input: SkyFailureInput): SkyFailure | undefined {
  const facts = factsOf(input);
  if (facts.exit === 0 && !FAILED_DESPITE_EXIT_0.test(facts.stdout)) return undefined;
  // The last rule matches anything, so a rule is always found.
  const rule = RULES.find((r) => r.match(facts)) as Rule;
  const failure = rule.error(facts);
  return rule.detail === false || facts.detail === undefined ? failure : { ...failure, detail: facts.detail };
}

function factsOf(input: SkyFailureInput): Facts {
  const stdout = stripAnsi(input.stdout);
  const stderr = stripAnsi(input.stderr);
  const text = `${stderr}\n${stdout}`;
  const cluster = input.cluster ?? clusterFrom(text);
  const { name: exception, line } = exceptionLine(stderr);
  return {
    exit: input.exitCode,
    stdout,
    stderr,
    text,
    exception,
    detail: line?.trim(),
    name: cluster ?? "the cluster",
    named: cluster ?? "<cluster>",
  };
}
