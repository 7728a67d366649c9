/**
 * A task YAML lives only as long as the `sky` command that reads it: written into a fresh private
 * directory (0700) as a private file (0600), and removed with the directory afterwards, whatever happens.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function withTaskFile<T>(
  name: string,
  yaml: string,
  body: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "rhx-sky-"));
  try {
    await chmod(dir, 0o700);
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, yaml, { mode: 0o600, flag: "wx" });
    return await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
