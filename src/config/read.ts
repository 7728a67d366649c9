import { access, open, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ErrorCode } from "../errors/codes.ts";
import type { Diagnostic } from "./diagnostic.ts";

/** Config files are small; anything beyond this is a mistake (or an attack), not a cluster. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type ReadResult = { ok: true; file: string; text: string } | { ok: false; diagnostic: Diagnostic };

/**
 * Reads a config file, turning every way it can fail into a diagnostic a person can act on. `file`
 * is shown as given; it is read relative to `cwd`. Only regular files are opened: a FIFO or a device
 * would block or never end. The ways a read fails are handled in the order they can happen (stat,
 * kind, size, read, decode), which is why this is one function.
 */
export async function readConfigFile(file: string, cwd = process.cwd()): Promise<ReadResult> {
  const path = resolve(cwd, file);
  const fail = (code: ErrorCode, message: string, hint?: string): ReadResult => ({
    ok: false,
    diagnostic: { code, severity: "error", message, hint, location: { file, line: 1, column: 1 } },
  });
  const unreadable = (code: string | undefined) =>
    code === "EACCES" || code === "EPERM"
      ? fail(
          "RHX_CONFIG_UNREADABLE",
          `${file} cannot be read: permission denied.`,
          "Check the file's permissions (`ls -l`); rhx only needs to read it.",
        )
      : fail("RHX_CONFIG_UNREADABLE", `${file} cannot be read (${code ?? "unknown error"}).`);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return fail(
        "RHX_CONFIG_NOT_FOUND",
        `${file} does not exist.`,
        "Pass the path of a cluster file, or run `rhx init` to write one.",
      );
    return unreadable(code);
  }
  if (info.isDirectory()) {
    const inside = join(file, "cluster.yaml");
    const exists = await access(join(path, "cluster.yaml")).then(
      () => true,
      () => false,
    );
    return fail(
      "RHX_CONFIG_IS_DIRECTORY",
      `${file} is a directory, not a cluster file.`,
      exists ? `Did you mean ${inside}?` : "Pass the path of a cluster file (a .yaml file).",
    );
  }
  if (!info.isFile())
    return fail(
      "RHX_CONFIG_UNREADABLE",
      `${file} is not a regular file (it is a pipe, socket or device).`,
      "Pass the path of a cluster file (a .yaml file).",
    );
  const tooLarge = (size: number) =>
    fail(
      "RHX_CONFIG_TOO_LARGE",
      `${file} is ${Math.round(size / 1024)} KiB; a cluster file is at most ${MAX_CONFIG_BYTES / 1024} KiB.`,
      "Is this the right file?",
    );
  if (info.size > MAX_CONFIG_BYTES) return tooLarge(info.size);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    // Never more than the limit, even if the file grows after the stat above.
    const room = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(room, length, room.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === room.length) return tooLarge(length);
    }
    const buffer = room.subarray(0, length);
    const utf16 = detectUtf16(buffer);
    if (utf16)
      return fail(
        "RHX_CONFIG_ENCODING",
        `${file} is ${utf16.name} text (${utf16.bom ? "with" : "without"} a byte order mark); rhx reads UTF-8.`,
        `Convert it: \`iconv -f ${utf16.bom ? "UTF-16" : utf16.name} -t UTF-8 ${file} > converted.yaml\`, or save it as UTF-8 in your editor.`,
      );
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
    return unreadable((error as NodeJS.ErrnoException).code);
  } finally {
    await handle?.close();
  }
}

/**
 * UTF-16 (what some Windows editors and PowerShell's `>` write) is full of NUL bytes, which would
 * otherwise make the file look binary. With a byte order mark it is certain; without one, ASCII-range
 * text in UTF-16 has a NUL in every other byte, always the same half of each pair.
 */
export function detectUtf16(buffer: Uint8Array): { name: "UTF-16LE" | "UTF-16BE"; bom: boolean } | undefined {
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return { name: "UTF-16LE", bom: true };
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return { name: "UTF-16BE", bom: true };
  const pairs = Math.min(Math.floor(buffer.length / 2), 512);
  if (pairs < 2) return undefined;
  let zeroLow = 0;
  let zeroHigh = 0;
  for (let i = 0; i < pairs; i++) {
    const first = buffer[2 * i];
    const second = buffer[2 * i + 1];
    if (first === 0 && second === 0) return undefined;
    if (second === 0) zeroHigh++;
    if (first === 0) zeroLow++;
  }
  if (zeroHigh >= pairs * 0.9 && zeroLow === 0) return { name: "UTF-16LE", bom: false };
  if (zeroLow >= pairs * 0.9 && zeroHigh === 0) return { name: "UTF-16BE", bom: false };
  return undefined;
}
