import { lstat, stat, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { PROVIDERS, SCHEMA_ID } from "../../config/schema.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError, UsageError } from "../../errors/rhx-error.ts";
import { type Checked, checkImage, checkInstanceType, checkName, checkProvider } from "../../init/answers.ts";
import { starterErrors } from "../../init/check-starter.ts";
import type { StarterAnswers } from "../../init/starter.ts";
import { starterConfig } from "../../init/starter.ts";
import { escapeControl } from "../../ui/escape.ts";
import type { CommandContext, CommandResult } from "../context.ts";
import { checkOutputPath, writeFailed } from "../output-path.ts";

type Answers = Omit<StarterAnswers, "schemaRef">;
type Field = "name" | "provider" | "image" | "instanceType";
export type Flags = Partial<Record<Field, string | undefined>>;

/** The YAML key each answer becomes, to tie `rhx validate`'s verdict on the starter to a question. */
const KEY: Record<Field, string> = {
  name: "name",
  provider: "provider",
  image: "image_id",
  instanceType: "instance_type",
};
const CHECK: Record<Field, (text: string) => Checked> = {
  name: checkName,
  provider: checkProvider,
  image: checkImage,
  instanceType: checkInstanceType,
};
/** Stand-ins for answers not given yet, so one answer can be judged in a whole starter. */
const PLACEHOLDER: Answers = { name: "my-cluster", provider: "local", image: "docker:rhx/runhouse:0.0.36" };

/**
 * `rhx init [FILE]`: a commented starter file; asks on a terminal, takes flags otherwise; never
 * overwrites, never creates directories, and writes nothing until every answer is valid.
 */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const given = (args[0] as string | undefined) ?? "cluster.yaml";
  const target = resolve(ctx.cwd, given);
  const shown = relative(ctx.cwd, target) || target;
  // A dangling link is no file to keep, but no place to write either: checkOutputPath refuses it.
  const entry = await lstat(target).catch(() => undefined);
  const dangling = entry?.isSymbolicLink() === true && !(await stat(target).catch(() => undefined));
  if (entry && !dangling)
    throw new RhxError({
      code: "RHX_INIT_EXISTS",
      message: `${shown} already exists; rhx init never overwrites a file.`,
      hint: "Pass another file name: `rhx init other.yaml`.",
      exitCode: ExitCode.Usage,
    });
  await checkOutputPath(target, shown, "rhx init FILE", "cluster.yaml");
  const flags: Flags = {
    name: str(options.name),
    provider: str(options.provider),
    image: str(options.image),
    instanceType: str(options.instanceType),
  };
  const answers =
    ctx.interactive && !ctx.globals.json
      ? await askAnswers(flags, { input: process.stdin, output: process.stderr }, ctx.signal)
      : fromFlags(flags);
  const text = starterConfig({ ...answers, schemaRef: schemaRef(target) });
  try {
    await writeFile(target, text, { flag: "wx" });
  } catch (error) {
    throw writeFailed(error, shown);
  }
  ctx.output.event("file-written", { path: target });
  ctx.output.text(`Wrote ${escapeControl(shown)}. Next: \`rhx validate\`, then \`rhx apply\`.`);
  return ExitCode.Ok;
}

function str(value: unknown): string | undefined {
  return value === undefined || value === true ? undefined : String(value);
}

/** One answer, checked on its own and then as part of a whole starter, as `rhx validate` would. */
export function judge(field: Field, text: string, known: Partial<Answers>): Checked {
  const checked = CHECK[field](text);
  if (!checked.ok) return checked;
  const answers = { ...PLACEHOLDER, ...known, [field]: checked.value };
  const problem = starterErrors({ ...answers, schemaRef: "runhouse.schema.json" }).find(
    (e) => e.key === KEY[field],
  );
  if (!problem) return checked;
  return {
    ok: false,
    message: problem.diagnostic.message,
    hint: problem.diagnostic.hint ?? "See `rhx validate` for the rule.",
  };
}

function fromFlags(flags: Flags): Answers {
  const missing = (["name", "provider", "image"] as const).filter((k) => !flags[k]);
  if (missing.length > 0)
    throw new UsageError(
      `rhx init needs ${missing.map((m) => `--${m}`).join(", ")} when no one is at a terminal to answer.`,
      "Example: rhx init --name dev --provider local --image docker:rhx/runhouse:0.0.36",
    );
  const answers: Partial<Answers> = {};
  for (const field of ["name", "provider", "image", "instanceType"] as const) {
    const text = flags[field];
    if (text === undefined) continue;
    const checked = judge(field, text, answers);
    if (!checked.ok) throw new UsageError(`--${flag(field)}: ${checked.message}`, checked.hint);
    answers[field] = checked.value;
  }
  return answers as Answers;
}

function flag(field: Field): string {
  return field === "instanceType" ? "instance-type" : field;
}

export interface PromptIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * The questions on a terminal. A flag answers its question (it is still checked); a bad answer is
 * explained and asked again at once, so nobody types four answers to hear the first was wrong.
 */
export async function askAnswers(flags: Flags, io: PromptIO, signal: AbortSignal): Promise<Answers> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  // Lines are read through the iterator, which queues them: answers pasted at once are not lost.
  const lines = rl[Symbol.asyncIterator]();
  const onAbort = () => rl.close();
  signal.addEventListener("abort", onAbort, { once: true });
  const answers: Partial<Answers> = {};
  const ask = async (field: Field, text: string, fallback: string): Promise<void> => {
    let given = flags[field];
    for (;;) {
      if (given === undefined) {
        io.output.write(`${text} (${fallback}): `);
        const line = await lines.next();
        if (line.done)
          throw new RhxError({
            code: signal.aborted ? "RHX_CANCELLED" : "RHX_INIT_NO_ANSWER",
            message: signal.aborted ? "Interrupted." : "The input ended before every question was answered.",
            hint: "Nothing was written. Pass --name, --provider and --image to answer without a prompt.",
            exitCode: signal.aborted ? ExitCode.Interrupted : ExitCode.Usage,
          });
        given = String(line.value).trim() || fallback;
      }
      const checked = judge(field, given, answers);
      if (checked.ok) {
        answers[field] = checked.value;
        return;
      }
      io.output.write(`  ${checked.message}\n  ${checked.hint}\n`);
      given = undefined;
    }
  };
  try {
    await ask("name", "Cluster name", "my-cluster");
    await ask("provider", `Provider [${PROVIDERS.slice(0, 7).join(", ")}, …]`, "local");
    await ask("image", "Docker image", "docker:nvcr.io/nvidia/pytorch:23.10-py3");
    if (answers.provider !== "local") await ask("instanceType", "Instance type", "CPU:2+");
    return answers as Answers;
  } finally {
    signal.removeEventListener("abort", onAbort);
    rl.close();
  }
}

/** The published schema ships at the package root, two levels above dist/cli/commands. */
function schemaRef(target: string): string {
  const path = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "runhouse.schema.json");
  const ref = relative(dirname(target), path) || "runhouse.schema.json";
  // A modeline is one line; a path with control characters in it gets the schema's public address.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters.
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(ref) ? SCHEMA_ID : ref;
}
