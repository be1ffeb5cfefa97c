/**
 * Prints the headline figures of a results file again, recomputing every floor from the
 * recorded calls with the current `floor.ts` (so a formula fix applies to old runs too):
 *
 *     npx tsx bench/report.ts bench/results/full.json
 */
import { readFileSync } from "node:fs";
import { floorRatio, limitedCalls, rateLimitFloor } from "./floor.ts";

interface RunSummary {
  wallMs: number;
  callsPerTier: Record<string, number>;
  callsPerOperation: Record<string, number>;
}

const file = process.argv[2] ?? "bench/results/full.json";
const r = JSON.parse(readFileSync(file, "utf8")) as {
  mode: { timeScale: number; p6TimeScale: number };
  P1?: { lifeboat: RunSummary };
  P1tuned?: { lifeboat: RunSummary; options: unknown };
  P6?: { measured: boolean; restore?: { wallMs: number; stats: { callsPerTier: Record<string, number>; callsPerOperation: Record<string, number> } } };
};

const show = (label: string, run: RunSummary | undefined, timeScale: number): void => {
  if (!run) return;
  const calls = limitedCalls(run.callsPerTier, run.callsPerOperation);
  const f = rateLimitFloor(calls);
  const ratio = floorRatio(run.wallMs, f.floorMs, timeScale);
  process.stdout.write(
    `${label}: wall ${(run.wallMs / 1000).toFixed(1)} s, limited calls ${JSON.stringify(calls)}, floor ${(f.floorMs / 60_000).toFixed(1)} emulated min = ` +
      `${(f.floorMs / timeScale / 1000).toFixed(1)} s real (binding ${f.binding ?? "-"}), ratio ${ratio === undefined ? "n/a" : ratio.toFixed(3)}\n`,
  );
};

show("P1 default", r.P1?.lifeboat, r.mode.timeScale);
show(`P1 tuned ${JSON.stringify(r.P1tuned?.options)}`, r.P1tuned?.lifeboat, r.mode.timeScale);
if (r.P6?.measured && r.P6.restore) show("P6 restore", { wallMs: r.P6.restore.wallMs, ...r.P6.restore.stats }, r.mode.p6TimeScale);
