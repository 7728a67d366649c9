import { readFileSync } from "node:fs";
import { type CAC, cac } from "cac";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.ts";
import { isRhxError, type RhxError, UsageError } from "../errors/rhx-error.ts";
import { Redactor } from "../secrets/redactor.ts";
import { stateDirError } from "../state/paths.ts";
import { sweepLeftovers } from "../state/sweep.ts";
import { escapeMessage } from "../ui/escape.ts";
import type { Output } from "../ui/output.ts";
import { renderError } from "../ui/render-error.ts";
import {
  type CommandContext,
  colorEnabled,
  createOutput,
  defaultStateDir,
  type GlobalOptions,
  isInteractive,
} from "./context.ts";
import { joinNegativeValues } from "./flags.ts";
import { interruptController } from "./signals.ts";
import { isInStateDir } from "./state-dir.ts";

/** Set by the bundle's build (scripts/build.mjs) from package.json; absent when run from src/ by tsx. */
declare const PACKAGE_VERSION_AT_BUILD: string | undefined;

/** package.json's version: baked into the bundle, read from the file (two levels above src/cli/) otherwise. */
function packageVersion(): string {
  if (typeof PACKAGE_VERSION_AT_BUILD === "string") return PACKAGE_VERSION_AT_BUILD;
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

type Action = (
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
) => Promise<ExitCodeValue>;

/** Each command's module is imported only when that command runs: `rhx validate` never loads docker code. */
const commands: Record<string, () => Promise<{ run: Action }>> = {
  validate: () => import("./commands/validate.ts"),
  schema: () => import("./commands/schema.ts"),
  check: () => import("./commands/check.ts"),
  plan: () => import("./commands/plan.ts"),
  apply: () => import("./commands/apply.ts"),
  status: () => import("./commands/status.ts"),
  down: () => import("./commands/down.ts"),
  ssh: () => import("./commands/ssh.ts"),
  unlock: () => import("./commands/unlock.ts"),
  init: () => import("./commands/init.ts"),
};

interface Chosen {
  name: string;
  args: unknown[];
  options: Record<string, unknown>;
}

/** The command line rhx accepts: global options, every command and its flags. */
function defineCli(onChosen: (chosen: Chosen) => void): CAC {
  const cli = cac("rhx");
  const define = (name: string, usage: string, description: string) =>
    cli.command(usage, description).action((...all: unknown[]) => {
      const options = (all.pop() ?? {}) as Record<string, unknown>;
      onChosen({ name, args: all, options });
    });

  cli
    .option("--env-file <path>", "Read variables from this file (repeatable; later files win)")
    .option("--json", "Write one JSON event per line to stdout; human text stays on stderr")
    .option("--no-color", "Plain text (NO_COLOR is honoured too)")
    .option("-v, --verbose", "Stream the output of every step")
    .option(
      "--state-dir <dir>",
      "Where state, locks and logs live (default $RHX_STATE_DIR or ~/.local/state/rhx)",
    );

  define("validate", "validate [...files]", "Check cluster files: YAML, interpolation, schema, rules").option(
    "--strict-env",
    "Unset variables are errors, not warnings",
  );
  define("schema", "schema", "Print the cluster JSON Schema; --write regenerates the schema files").option(
    "--write",
    "Write runhouse.schema.json and schemas/",
  );
  define(
    "check",
    "check [...files]",
    "Validate, then prove tools, credentials, registry login and image before any launch",
  );
  define("plan", "plan [...files]", "Show what apply would do, each change with its class and cause")
    .option("--detailed-exitcode", "Exit 2 when there are changes, 0 when there are none")
    .option("--out <file>", "Save the plan; `rhx apply FILE.plan` applies it only while nothing changed")
    .option("--concurrency <n>", "Clusters planned at once (1-64)", { default: 4 });
  define("apply", "apply [...files]", "Bring the clusters to what the files say")
    .option("-y, --yes", "Approve replaces without asking")
    .option("--watch", "Apply again whenever a watched file changes")
    .option("--allow-replace", "In watch mode, apply replaces without asking")
    .option("--concurrency <n>", "Clusters applied at once (1-64)", { default: 4 })
    .option("--lock-timeout <duration>", "Wait this long for another rhx's lock (0s-24h: 30s, 2m)")
    .option(
      "--step-timeout <duration>",
      "Longest one step (launch, a setup command, server start) may run (1s-24h, default 30m)",
    );
  define("status", "status [...targets]", "Recorded state and live status (FILE or NAME)");
  define("down", "down [...targets]", "Tear down clusters rhx created (FILE or NAME)")
    .option("-y, --yes", "Do not ask")
    .option("--lock-timeout <duration>", "Wait this long for another rhx's lock (0s-24h)");
  define("ssh", "ssh [target]", "A shell (or `-- CMD`) inside the cluster's container");
  define("init", "init [file]", "Write a commented starter cluster.yaml (never overwrites)")
    .option("--name <name>", "Cluster name")
    .option("--provider <provider>", "local, aws, gcp, kubernetes, …")
    .option("--image <image>", "Docker image (docker:… or a plain reference)")
    .option("--instance-type <type>", "CPU:2+, A10G:1, m5.xlarge, 1CPU--1GB");
  define("unlock", "unlock <name>", "Remove a cluster's lock left behind by a dead rhx");
  cli.help();
  cli.version(packageVersion(), "-V, --version");
  return cli;
}

export async function main(argv: readonly string[], env = process.env): Promise<ExitCodeValue> {
  let chosen: Chosen | undefined;
  const cli = defineCli((c) => {
    chosen = c;
  });
  const earlyJson = argv.includes("--json");
  // One run, one redactor: config loading registers the secrets it resolves; every sink masks through it.
  const redactor = new Redactor();
  const earlyOutput = createOutput(
    {
      json: earlyJson,
      color: colorEnabled(!argv.includes("--no-color"), env, Boolean(process.stderr.isTTY)),
      verbose: false,
    },
    redactor,
  );
  let output: Output = earlyOutput;
  let stateDir: string | undefined;
  try {
    const parsed = cli.parse(
      ["node", "rhx", ...camelBooleanFlags(cli, joinNegativeValues(argv, valueFlags(cli)))],
      { run: false },
    );
    if (parsed.options.help || parsed.options.version) return ExitCode.Ok;
    if (!cli.matchedCommand) {
      if (parsed.args.length > 0)
        throw new UsageError(`Unknown command \`${parsed.args[0]}\`.`, "Run `rhx --help` for the commands.");
      cli.outputHelp();
      return ExitCode.Usage;
    }
    cli.matchedCommand.checkUnknownOptions();
    cli.matchedCommand.checkOptionValue();
    await cli.runMatchedCommand();
    if (!chosen) throw new UsageError("No command given.");
    const globals = readGlobals(chosen.options, env);
    stateDir = globals.stateDir;
    output = createOutput(globals, redactor);
    // At every start, before anything else: a crashed rhx's docker login must not wait for an apply.
    const swept = await sweepLeftovers(globals.stateDir);
    if (swept.length > 0) output.debug(`removed ${swept.length} leftover(s) of rhx processes that died`);
    const load = commands[chosen.name];
    if (!load) throw new UsageError(`Unknown command \`${chosen.name}\`.`);
    const { run } = await load();
    const interrupt = interruptController(output);
    try {
      const code = await run(
        {
          globals,
          output,
          cwd: process.cwd(),
          env,
          signal: interrupt.signal,
          interactive: isInteractive(env),
          redactor,
        },
        chosen.args,
        chosen.options,
      );
      if (output.json) await output.flushed();
      const broken = output.eventsFailure;
      if (broken) return reportEventsFailure(output, broken, code);
      return interrupt.signal.aborted ? ExitCode.Interrupted : code;
    } finally {
      interrupt.dispose();
    }
  } catch (error) {
    // However deep a refused read or write of the state dir was raised, the user hears about the dir.
    const known =
      stateDir !== undefined && isInStateDir(error, stateDir) ? stateDirError(stateDir, error) : error;
    return reportFailure(output, known);
  }
}

/**
 * cac tells mri its boolean flags by their camelCase names, so mri reads a kebab-case boolean flag
 * (`--detailed-exitcode`) as taking a value and swallows the next argument (a FILE). Writing those
 * flags in camelCase before parsing makes mri see them as the booleans they are.
 */
function camelBooleanFlags(cli: ReturnType<typeof cac>, argv: readonly string[]): string[] {
  const booleans = new Map<string, string>();
  for (const command of [cli.globalCommand, ...cli.commands]) {
    for (const option of command.options) {
      if (!option.isBoolean || option.negated) continue;
      for (const raw of option.rawName.split(",")) {
        const flag = raw.trim().split(" ")[0] ?? "";
        if (/^--[a-z]+(-[a-z]+)+$/.test(flag)) booleans.set(flag, `--${option.names[0]}`);
      }
    }
  }
  const end = argv.indexOf("--");
  return argv.map((arg, i) => (end !== -1 && i > end ? arg : (booleans.get(arg) ?? arg)));
}

/** Every `--flag <value>` rhx defines, as typed on the command line. */
function valueFlags(cli: ReturnType<typeof cac>): Set<string> {
  const flags = new Set<string>();
  for (const command of [cli.globalCommand, ...cli.commands])
    for (const option of command.options)
      if (option.required !== undefined)
        for (const raw of option.rawName.split(",")) flags.add(raw.trim().split(" ")[0] ?? "");
  return flags;
}

function readGlobals(options: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  const envFile = options.envFile;
  const envFiles = envFile === undefined ? [] : (Array.isArray(envFile) ? envFile : [envFile]).map(String);
  const stateDir = typeof options.stateDir === "string" ? options.stateDir : defaultStateDir(env);
  return {
    envFiles,
    json: options.json === true,
    color: colorEnabled(options.color !== false, env, Boolean(process.stderr.isTTY)),
    verbose: options.verbose === true,
    stateDir,
  };
}

/** Lost `--json` events: said on stderr (stdout is what broke), and never an exit 0. */
function reportEventsFailure(output: Output, error: RhxError, code: ExitCodeValue): ExitCodeValue {
  output.text(renderError({ code: error.code, message: error.message, hint: error.hint }, output.colors));
  return code === ExitCode.Ok ? ExitCode.StepFailed : code;
}

/** The one place errors become output and exit codes. A stack trace is shown only with RHX_DEBUG=1. */
export function reportFailure(output: Output, error: unknown): ExitCodeValue {
  if (isRhxError(error)) {
    output.event("error", {
      code: error.code,
      message: error.message,
      hint: error.hint,
      location: error.location,
    });
    // With stdout gone, the event above went nowhere: stderr is the one place left to say it.
    if (!output.json || output.eventsFailure) output.text(renderError(error, output.colors));
    return error.exitCode;
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === "CACError") {
    // cac names options in camelCase; the user typed kebab-case.
    const message = (error as Error).message.replace(
      /`--([a-zA-Z]+)`/g,
      (_, name: string) => `\`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\``,
    );
    output.event("error", { code: "RHX_USAGE", message });
    if (!output.json)
      output.text(`${output.colors.red("error")} ${escapeMessage(message)}\n  Run \`rhx --help\` for usage.`);
    return ExitCode.Usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.event("error", { code: "RHX_INTERNAL", message });
  if (!output.json) {
    output.text(
      renderError(
        {
          code: "RHX_INTERNAL",
          message: `rhx hit an unexpected problem: ${message}`,
          hint: "This is a bug in rhx. Please report it with the command you ran (RHX_DEBUG=1 shows details).",
        },
        output.colors,
      ),
    );
    if (process.env.RHX_DEBUG === "1" && error instanceof Error && error.stack)
      output.text(output.redactor.redact(error.stack));
  }
  return ExitCode.StepFailed;
}
