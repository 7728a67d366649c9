import { defineConfig } from "vitest/config";

/**
 * Test files that talk to the Docker engine or start a real registry (the `docker` project). Every
 * other file is a `unit` test: no engine, no registry, so it may run with many workers. A new file
 * that needs Docker goes here; test/repo/projects.test.ts checks that each listed path exists.
 */
export const DOCKER_TESTS = [
  "test/e2e/**/*.test.ts",
  "test/trust/**/*.test.ts",
  "test/output/**/*.test.ts",
  "test/helpers/**/*.test.ts",
  "test/drivers/local/exec.test.ts",
  "test/drivers/local/launch.test.ts",
  "test/drivers/local/lifecycle.test.ts",
  "test/drivers/local/preflight.test.ts",
  "test/drivers/local/server.test.ts",
  "test/registry/docker-registry.test.ts",
  "test/watch/watch-changes.test.ts",
  "test/watch/watch-safety.test.ts",
  "test/watch/watch-tty.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    clearMocks: true,
    restoreMocks: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: DOCKER_TESTS,
          // No shared engine: files run in parallel as far as the machine allows; tests inside a file do not.
          fileParallelism: true,
          maxWorkers: "100%",
        },
      },
      {
        extends: true,
        test: {
          name: "docker",
          include: DOCKER_TESTS,
          // Real engine and registry tests share one Docker daemon: two files at a time.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
