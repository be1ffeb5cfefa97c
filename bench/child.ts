/**
 * Runs one measured job (`bench/worker.ts`) in a child Node process, so the client under
 * test has a process of its own — its own CPU, and its own peak RSS, which the child reads
 * from `process.resourceUsage().maxRSS` and reports with its result — while the emulator
 * serves from the parent.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const RESULT_PREFIX = "BENCH-RESULT ";

export interface ChildReport<R> {
  result: R;
  /** Peak resident set of the child, bytes. */
  maxRssBytes: number;
  /** CPU time (user + system) of the child, ms. */
  cpuMs: number;
  /** CPU time of this (the emulator's) process during the child's run, ms. */
  parentCpuMs: number;
  /** Wall time of the whole child process (start-up, repository open and close included), ms. */
  processMs: number;
}

export async function runChild<R>(job: { kind: string }, opts: { maxOldSpaceMb?: number } = {}): Promise<ChildReport<R>> {
  const worker = fileURLToPath(new URL("./worker.ts", import.meta.url));
  const args = ["--import", "tsx"];
  if (opts.maxOldSpaceMb) args.push(`--max-old-space-size=${opts.maxOldSpaceMb}`);
  // Profiling aid: LIFEBOAT_BENCH_CPU_PROF=<dir> writes a .cpuprofile per child.
  if (process.env.LIFEBOAT_BENCH_CPU_PROF) args.push("--cpu-prof", `--cpu-prof-dir=${process.env.LIFEBOAT_BENCH_CPU_PROF}`);
  args.push(worker);
  const started = performance.now();
  const parentCpu = process.cpuUsage();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LIFEBOAT_BENCH_JOB: JSON.stringify(job) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c) => resolve(c));
  });
  const processMs = performance.now() - started;
  const parentUsed = process.cpuUsage(parentCpu);
  const parentCpuMs = Math.round((parentUsed.user + parentUsed.system) / 1000);
  const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) {
    throw new Error(`bench job ${job.kind} failed (exit ${code}): ${stderr.slice(-3000) || stdout.slice(-3000)}`);
  }
  const parsed = JSON.parse(line.slice(RESULT_PREFIX.length)) as { result: R; maxRssBytes: number; cpuMs: number };
  return { result: parsed.result, maxRssBytes: parsed.maxRssBytes, cpuMs: parsed.cpuMs, parentCpuMs, processMs };
}
