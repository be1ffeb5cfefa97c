// Prints the test run's totals as one plain line ("N passed, N failed, N skipped").
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(new URL("../.tmp/vitest-report.json", import.meta.url), "utf8"));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
