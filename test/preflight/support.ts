import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DockerCredentials, type LoadedCluster, normalizeCluster } from "../../src/config/cluster.ts";
import type { ClusterFile } from "../../src/config/schema.ts";
import { Redactor } from "../../src/secrets/redactor.ts";

/** The fake `sky` kept in the project's fixtures (test/fixtures/fake-sky). */
export const FAKE_SKY_BIN = fileURLToPath(new URL("../fixtures/bin", import.meta.url));

/** A loaded cluster from the fields a test cares about; the rest are the schema's defaults. */
export function clusterOf(
  file: Partial<ClusterFile> & Pick<ClusterFile, "provider">,
  docker?: Omit<DockerCredentials, "source">,
): LoadedCluster {
  const spec = normalizeCluster(
    { name: "demo", image_id: "docker:team/app:1.0", ...file } as ClusterFile,
    docker ? { ...docker, source: "environment" } : undefined,
  );
  return {
    spec,
    file: "cluster.yaml",
    document: 0,
    location: { file: "cluster.yaml", line: 1, column: 1 },
    variables: [],
  };
}

/** What the registry check is given: a signal and the run's redactor (a fresh one). */
export function registryOptions(): { signal: AbortSignal; redactor: Redactor } {
  return { signal: new AbortController().signal, redactor: new Redactor() };
}

/** A temp dir removed by the returned cleanup; scripts written into it are executable. */
export function scratch(): { dir: string; script(name: string, body: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "rhx-preflight-"));
  return {
    dir,
    script(name, body) {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** PATH with the fake `sky` first and the node running the tests (the fake's interpreter). */
export function pathWithFakeSky(): string {
  return [FAKE_SKY_BIN, dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":");
}
