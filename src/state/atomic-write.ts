import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ownerTag } from "./owner.ts";

/**
 * temp file + fsync + rename + fsync of the directory: after a crash at any point the file is either
 * the old version or the new one, never half of each.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Named after its owner: a temp file a crash leaves behind is swept by the next rhx (sweep.ts).
  const temp = `${path}.${ownerTag()}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "w", mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
