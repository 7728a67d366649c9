import { open, stat } from "node:fs/promises";
import type { Diagnostic } from "./diagnostic.ts";

/** Config files are small; anything beyond this is a mistake (or an attack), not a cluster. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type ReadResult = { ok: true; file: string; text: string } | { ok: false; diagnostic: Diagnostic };

/** Reads a config file, turning every way it can fail into a diagnostic a person can act on. */
export async function readConfigFile(file: string): Promise<ReadResult> {
  const fail = (code: string, message: string, hint?: string): ReadResult => ({
    ok: false,
    diagnostic: { code, severity: "error", message, hint, location: { file, line: 1, column: 1 } },
  });
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return fail(
        "RHX_CONFIG_NOT_FOUND",
        `${file} does not exist.`,
        "Pass the path of a cluster file, or run `rhx init` to write one.",
      );
    if (code === "EACCES") return fail("RHX_CONFIG_UNREADABLE", `${file} cannot be read: permission denied.`);
    return fail("RHX_CONFIG_UNREADABLE", `${file} cannot be read (${code ?? "unknown error"}).`);
  }
  if (info.isDirectory())
    return fail(
      "RHX_CONFIG_IS_DIRECTORY",
      `${file} is a directory, not a cluster file.`,
      `Did you mean ${file}/cluster.yaml?`,
    );
  if (!info.isFile()) return fail("RHX_CONFIG_UNREADABLE", `${file} is not a regular file.`);
  if (info.size > MAX_CONFIG_BYTES)
    return fail(
      "RHX_CONFIG_TOO_LARGE",
      `${file} is ${Math.round(info.size / 1024)} KiB; a cluster file is at most ${MAX_CONFIG_BYTES / 1024} KiB.`,
      "Is this the right file?",
    );
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const buffer = await handle.readFile();
    if (buffer.includes(0))
      return fail(
        "RHX_CONFIG_BINARY",
        `${file} is not a text file (it contains NUL bytes).`,
        "Is this the right file?",
      );
    const text = new TextDecoder("utf-8", { fatal: true }).decode(buffer);
    return { ok: true, file, text: text.startsWith("\uFEFF") ? text.slice(1) : text };
  } catch (error) {
    if (error instanceof TypeError)
      return fail("RHX_CONFIG_ENCODING", `${file} is not valid UTF-8.`, "Save the file as UTF-8.");
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES") return fail("RHX_CONFIG_UNREADABLE", `${file} cannot be read: permission denied.`);
    return fail("RHX_CONFIG_UNREADABLE", `${file} cannot be read (${code ?? "unknown error"}).`);
  } finally {
    await handle?.close();
  }
}
