import { basename, dirname, resolve, sep } from "node:path";
import type { ChokidarOptions } from "chokidar";

/**
 * What watch mode listens to and how, as pure data: the session hands these to chokidar. Kept apart
 * so the rules (which names are editor noise, which paths count) are unit-tested without a watcher.
 */

/** About 300 ms of quiet ends a burst of saves; Compose and Skaffold use 500 ms, Tilt 200 ms. */
export const QUIET_MS = 300;
/** A file rewritten without pause (a generator, a sync tool) still triggers after this long (Tilt). */
export const MAX_WAIT_MS = 10_000;

/**
 * Editor and tool noise beside a config file: vim swap files and its `4913` write probe, backup files
 * (`name~`), Emacs lock and autosave files (`.#name`, `#name#`), temp files of atomic writers
 * (`*.tmp`, JetBrains' `___jb_tmp___`), and macOS Finder's `.DS_Store`.
 */
const NOISE = [
  /\.sw[a-p]$/i,
  /~$/,
  /^\.#/,
  /^#.*#$/,
  /^4913$/,
  /\.tmp$/i,
  /___jb_(tmp|old)___$/,
  /^\.DS_Store$/,
];

/** Directories whose churn would only cost us (vite's list); chokidar never descends into them. */
const NOISY_DIRS = new Set([".git", "node_modules"]);

/** Judged on the entry's own name: the user's project may well live under a `node_modules` path. */
export function isEditorNoise(path: string): boolean {
  const name = basename(path);
  return NOISY_DIRS.has(name) || NOISE.some((pattern) => pattern.test(name));
}

export interface WatchTargets {
  /** The exact files whose changes matter (absolute). */
  files: Set<string>;
  /** Their parent directories: what chokidar is pointed at, so rename-on-save keeps being seen. */
  dirs: Set<string>;
}

/**
 * Editors that save by writing a temp file and renaming it over the original (vim without
 * `backupcopy`, JetBrains "safe write", most atomic writers) replace the file's inode, and a watch on
 * the file itself goes deaf after the first save. Watching the parent directory, filtered down to the
 * exact paths, sees every later write, rename, delete and re-create of the file.
 */
export function watchTargets(inputs: readonly string[], cwd = process.cwd()): WatchTargets {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const input of inputs) {
    const file = resolve(cwd, input);
    files.add(file);
    dirs.add(dirname(file));
  }
  return { files, dirs };
}

/**
 * True for every path chokidar should not report. A watched directory itself must pass, or chokidar
 * would not list it. In it, editor noise never passes and neither does any other file: only the exact
 * inputs do. (A file the user named on the command line counts even if its name looks like noise.)
 */
export function ignoredBy(targets: WatchTargets): (path: string) => boolean {
  return (path) => {
    const absolute = resolve(path);
    if (targets.dirs.has(absolute) || targets.files.has(absolute)) return false;
    // Everything else is ignored anyway; the noise rules say why for the names that show up most.
    return isEditorNoise(absolute) || !targets.files.has(absolute);
  };
}

/** chokidar options for one session (vite's `resolveChokidarOptions` idea: a pure function). */
export function chokidarOptions(
  targets: WatchTargets,
  overrides: Partial<ChokidarOptions> = {},
): ChokidarOptions {
  return {
    // The session reconciles on start with its own apply; initial `add` events would only repeat it.
    ignoreInitial: true,
    // Only the directory's own entries: never walk into a repo's subfolders to find the config.
    depth: 0,
    ignored: ignoredBy(targets),
    // chokidar folds an unlink followed by an add within 100 ms (an atomic save) into one `change`.
    atomic: true,
    // Not awaitWriteFinish: the debounce's quiet period already waits for the writer to stop, and a
    // read of a half-written file is only an invalid config that the next event corrects.
    awaitWriteFinish: false,
    persistent: true,
    ...overrides,
  };
}

/** The path as the user would recognise it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const prefix = cwd.endsWith(sep) ? cwd : `${cwd}${sep}`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
