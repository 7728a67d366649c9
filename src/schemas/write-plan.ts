/**
 * What `rhx schema --write` would do to each file, decided before anything is written. rhx only
 * replaces what it generated itself: a file whose `$id` is the one rhx emits at that path. Anything
 * else there (a user's own schema, a link) is refused, and nothing is written at all.
 */
export type Existing =
  | { kind: "absent" }
  | { kind: "symlink"; target: string }
  | { kind: "not-a-file" }
  | { kind: "file"; text: string };

export type FileAction =
  | { path: string; action: "create" | "update" | "unchanged" }
  | { path: string; action: "refuse"; reason: string };

export function planSchemaWrite(path: string, emitted: string, existing: Existing): FileAction {
  switch (existing.kind) {
    case "absent":
      return { path, action: "create" };
    case "symlink":
      return {
        path,
        action: "refuse",
        reason: `a symbolic link (to ${existing.target}); rhx does not write through links`,
      };
    case "not-a-file":
      return { path, action: "refuse", reason: "not a regular file" };
    case "file": {
      if (existing.text === emitted) return { path, action: "unchanged" };
      const id = schemaId(emitted);
      return id !== undefined && schemaId(existing.text) === id
        ? { path, action: "update" }
        : { path, action: "refuse", reason: `not a schema rhx generated (its $id is not ${id ?? "rhx's"})` };
    }
  }
}

function schemaId(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { $id?: unknown } | null;
    return typeof value?.$id === "string" ? value.$id : undefined;
  } catch {
    return undefined;
  }
}
