import { type FSWatcher, watch } from "chokidar";
import { chokidarOptions, type WatchTargets, watchTargets } from "./options.ts";

export interface FileWatcher {
  /** The exact files being watched (absolute), sorted. */
  readonly files: string[];
  /** Watches a new set of inputs (a reload may add or drop a file). */
  update(inputs: readonly string[]): void;
  close(): Promise<void>;
}

export interface FileWatcherOptions {
  /** Called for every add, change and unlink of a watched file. */
  onChange(path: string): void;
  onError(error: Error): void;
  /** Polling, for file systems without change notification (network mounts, some containers). */
  usePolling?: boolean;
}

/**
 * The only chokidar code: points it at the parent directories of the inputs (options.ts explains
 * why) and reports changes to the exact files only. Resolves once the initial scan is done, so a
 * save right after `watch-started` is never missed.
 */
export async function watchFiles(
  inputs: readonly string[],
  options: FileWatcherOptions,
): Promise<FileWatcher> {
  // One mutable target set: chokidar calls the `ignored` function on every event, so an update is
  // in force for the next event without re-creating the watcher.
  const targets: WatchTargets = watchTargets(inputs);
  const watcher: FSWatcher = watch(
    [...targets.dirs],
    chokidarOptions(targets, options.usePolling ? { usePolling: true, interval: 100 } : {}),
  );
  watcher.on("all", (event, path) => {
    if ((event === "add" || event === "change" || event === "unlink") && targets.files.has(path))
      options.onChange(path);
  });
  watcher.on("error", (error) => options.onError(error instanceof Error ? error : new Error(String(error))));
  await ready(watcher);

  return {
    get files() {
      return [...targets.files].sort((a, b) => a.localeCompare(b));
    },
    update(next) {
      const wanted = watchTargets(next);
      const added = [...wanted.dirs].filter((dir) => !targets.dirs.has(dir));
      targets.files.clear();
      for (const file of wanted.files) targets.files.add(file);
      // Directories are only ever added. chokidar's unwatch() ignores the whole tree below a path, which
      // would silence a nested directory still needed; a stale directory is silent anyway, as `ignored`
      // passes nothing in it but the current files.
      for (const dir of added) targets.dirs.add(dir);
      // chokidar emits `ready` once per watcher, so there is nothing to wait for here; a new
      // directory's scan takes milliseconds.
      if (added.length > 0) watcher.add(added);
    },
    close: () => watcher.close(),
  };
}

/** The initial scan is done: from here on every change is reported. */
function ready(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once("ready", () => resolve()));
}
