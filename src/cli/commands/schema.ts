import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExitCode } from "../../errors/exit-codes.ts";
import { emittedSchemaFiles } from "../../schemas/emit.ts";
import type { CommandContext, CommandResult } from "../context.ts";

/** `rhx schema [--write]`: print the cluster schema, or regenerate every emitted schema file. */
export async function run(
  ctx: CommandContext,
  _args: unknown[],
  options: Record<string, unknown>,
): Promise<CommandResult> {
  const files = emittedSchemaFiles();
  const cluster = files["runhouse.schema.json"] as string;
  if (options.write !== true) {
    // Under --json the schema travels inside an event: stdout carries nothing else.
    if (ctx.output.json) ctx.output.event("schema", { schema: JSON.parse(cluster) as unknown });
    else ctx.output.data(cluster);
    return ExitCode.Ok;
  }
  const root = ctx.cwd;
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
    ctx.output.text(`wrote ${path}`);
    ctx.output.event("file-written", { path });
  }
  return ExitCode.Ok;
}
