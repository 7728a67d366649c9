import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Every --json event any test causes lands here and is validated in test/global-setup.ts.
process.env.RHX_EVENTS_TAP ??= join(tmpdir(), `rhx-events-${process.pid}.ndjson`);

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
