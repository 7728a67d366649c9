import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode } from "../../errors/exit-codes.ts";
import { RhxError } from "../../errors/rhx-error.ts";
import { emittedSchemaFiles } from "../../schemas/emit.ts";
import { type Existing, type FileAction, planSchemaWrite } from "../../schemas/write-plan.ts";
import { writeFileAtomic } from "../../state/atomic-write.ts";
import { escapeControl } from "../../ui/escape.ts";
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
  // Every file is judged before any is written: a refusal leaves all of them as they were.
  const actions: FileAction[] = [];
  for (const [path, text] of Object.entries(files))
    actions.push(planSchemaWrite(path, text, await existing(root, path)));
  for (const action of actions) {
    ctx.output.text(
      `  ${action.action.padEnd(9)} ${action.path}${action.action === "refuse" ? `: ${escapeControl(action.reason)}` : ""}`,
    );
  }
  const refused = actions.filter((a) => a.action === "refuse");
  if (refused.length > 0)
    throw new RhxError({
      code: "RHX_SCHEMA_WRITE_REFUSED",
      message: `rhx schema --write would replace ${refused.length === 1 ? "a file" : `${refused.length} files`} it did not generate (${refused.map((a) => a.path).join(", ")}); nothing was written.`,
      hint: "rhx only replaces the schema files it wrote. Move those away (or run it in another directory).",
      exitCode: ExitCode.Usage,
    });
  for (const action of actions) {
    if (action.action !== "create" && action.action !== "update") continue;
    await writeFileAtomic(join(root, action.path), files[action.path] as string, 0o644);
    ctx.output.event("file-written", { path: action.path });
  }
  const count = (a: FileAction["action"]) => actions.filter((x) => x.action === a).length;
  ctx.output.text(`${count("create")} created, ${count("update")} updated, ${count("unchanged")} unchanged.`);
  return ExitCode.Ok;
}

/** What is at `path` now. A link anywhere below the root (the file, or `schemas/`) counts as a link. */
async function existing(root: string, path: string): Promise<Existing> {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const at = join(root, ...parts.slice(0, i));
    const entry = await lstat(at).catch(() => undefined);
    if (!entry) return { kind: "absent" };
    if (entry.isSymbolicLink()) return { kind: "symlink", target: await readlink(at) };
    if (i < parts.length && !entry.isDirectory()) return { kind: "not-a-file" };
    if (i === parts.length && !entry.isFile()) return { kind: "not-a-file" };
  }
  return { kind: "file", text: await readFile(join(root, path), "utf8") };
}
