/**
 * The split of vitest.config.ts: a file that starts Docker containers or a registry must be in the
 * `docker` project (two at a time), never in the parallel `unit` one; every listed path exists.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_TESTS } from "../../vitest.config.ts";
import { ROOT } from "../helpers/run-cli.ts";

/** Helpers that need the engine or start a registry process. */
const NEEDS_DOCKER =
  /\b(requireDocker|startRegistry|startDockerRegistry|quickstartRegistry|removeContainers)\b/;

const testFiles = readdirSync(join(ROOT, "test"), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
  .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length + 1))
  .filter((file) => file !== "test/repo/projects.test.ts"); // names the helpers without using them

/** The two forms the list uses: an exact path, or `<dir>/**\/*.test.ts`. */
function inDockerProject(file: string): boolean {
  return DOCKER_TESTS.some((pattern) =>
    pattern.endsWith("/**/*.test.ts")
      ? file.startsWith(pattern.slice(0, -"**/*.test.ts".length))
      : file === pattern,
  );
}

describe("vitest projects", () => {
  it("list only paths that exist", () => {
    const missing = DOCKER_TESTS.filter((pattern) =>
      pattern.endsWith("/**/*.test.ts")
        ? !existsSync(join(ROOT, pattern.slice(0, -"/**/*.test.ts".length)))
        : !existsSync(join(ROOT, pattern)),
    );
    expect(missing).toEqual([]);
  });

  it("put every file that uses the Docker helpers in the docker project", () => {
    const misplaced = testFiles.filter(
      (file) => NEEDS_DOCKER.test(readFileSync(join(ROOT, file), "utf8")) && !inDockerProject(file),
    );
    expect(misplaced).toEqual([]);
  });

  it("leave most files to the unit project", () => {
    const unit = testFiles.filter((file) => !inDockerProject(file));
    expect(unit.length).toBeGreaterThan(testFiles.length / 2);
    expect(unit).toContain("test/state/fingerprint-key.test.ts");
  });
});
