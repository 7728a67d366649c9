import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    clearMocks: true,
    restoreMocks: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real engine and registry tests share one Docker daemon; files run in parallel, tests inside a file do not.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
