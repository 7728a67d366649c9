import { access, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { PROVIDERS } from "../../config/schema.ts";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError, UsageError } from "../../errors/rhx-error.ts";
import { isValidName, type StarterAnswers, starterConfig } from "../../init/starter.ts";
import type { CommandContext, CommandResult } from "../context.ts";

/** `rhx init [FILE]`: a commented starter file; asks on a terminal, takes flags otherwise; never overwrites. */
export async function run(
  ctx: CommandContext,
  args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const target = resolve(ctx.cwd, (args[0] as string | undefined) ?? "cluster.yaml");
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  if (exists)
    throw new RhxError({
      code: "RHX_INIT_EXISTS",
      message: `${relative(ctx.cwd, target) || target} already exists; rhx init never overwrites a file.`,
      hint: "Pass another file name: `rhx init other.yaml`.",
      exitCode: ExitCode.Usage,
    });
  const flags = {
    name: str(options.name),
    provider: str(options.provider),
    image: str(options.image),
    instanceType: str(options.instanceType),
  };
  const answers = ctx.interactive && !ctx.globals.json ? await ask(flags, ctx.signal) : fromFlags(flags);
  if (!isValidName(answers.name))
    throw new UsageError(
      `"${answers.name}" is not a usable cluster name.`,
      "Use lowercase letters, digits and '-', starting with a letter.",
    );
  if (!(PROVIDERS as readonly string[]).includes(answers.provider))
    throw new UsageError(
      `"${answers.provider}" is not a provider rhx knows.`,
      `One of: ${PROVIDERS.join(", ")}.`,
    );
  const schemaRef = relative(dirname(target), schemaPath()) || "runhouse.schema.json";
  await writeFile(target, starterConfig({ ...answers, schemaRef }), { flag: "wx" });
  ctx.output.event("file-written", { path: target });
  ctx.output.text(`Wrote ${relative(ctx.cwd, target)}. Next: \`rhx validate\`, then \`rhx apply\`.`);
  return ExitCode.Ok;
}

type Flags = {
  name?: string | undefined;
  provider?: string | undefined;
  image?: string | undefined;
  instanceType?: string | undefined;
};

function str(value: unknown): string | undefined {
  return value === undefined || value === true ? undefined : String(value);
}

function fromFlags(flags: Flags): Omit<StarterAnswers, "schemaRef"> {
  const missing = (["name", "provider", "image"] as const).filter((k) => !flags[k]);
  if (missing.length > 0)
    throw new UsageError(
      `rhx init needs ${missing.map((m) => `--${m}`).join(", ")} when no one is at a terminal to answer.`,
      "Example: rhx init --name dev --provider local --image docker:rhx/runhouse:0.0.36",
    );
  return {
    name: flags.name!,
    provider: flags.provider!,
    image: flags.image!,
    instanceType: flags.instanceType,
  };
}

async function ask(flags: Flags, signal: AbortSignal): Promise<Omit<StarterAnswers, "schemaRef">> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const question = async (text: string, fallback: string) =>
    (await rl.question(`${text} (${fallback}): `, { signal })).trim() || fallback;
  try {
    const name = flags.name ?? (await question("Cluster name", "my-cluster"));
    const provider =
      flags.provider ?? (await question(`Provider [${PROVIDERS.slice(0, 7).join(", ")}, …]`, "local"));
    const image = flags.image ?? (await question("Docker image", "docker:nvcr.io/nvidia/pytorch:23.10-py3"));
    const instanceType =
      provider === "local" ? undefined : (flags.instanceType ?? (await question("Instance type", "CPU:2+")));
    return { name, provider, image, instanceType };
  } finally {
    rl.close();
  }
}

/** The published schema ships at the package root, two levels above dist/cli/commands. */
function schemaPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "runhouse.schema.json");
}
