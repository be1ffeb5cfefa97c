import { defineConfig } from "vitest/config";

// Fast tests live beside the code (packages/*/src/**/*.test.ts); slow end-to-end
// suites live in e2e/. Both run in CI through `npm test`.
export default defineConfig({
  test: {
    // In CI a JSON report is written too, so .ci/run can print one plain summary line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".tmp/vitest-report.json" }]] : ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
