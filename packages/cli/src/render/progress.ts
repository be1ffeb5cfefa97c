/**
 * Renders backup events: progress bars on a TTY (per layer and overall), quiet
 * readable log lines otherwise, NDJSON with --json. Writes progress to stderr so
 * stdout keeps the results.
 */
import type { BackupEvent, Layer } from "@lifeboat/engine";
import { writeJsonLine } from "./json.ts";
import { clean, formatBytes } from "./table.ts";

export type RenderMode = "tty" | "text" | "json";

export function renderModeFor(opts: { json?: boolean }, stream: NodeJS.WriteStream = process.stderr): RenderMode {
  if (opts.json) return "json";
  return stream.isTTY && !process.env.CI ? "tty" : "text";
}

interface LayerState {
  layer: Layer;
  total?: number;
  done: number;
  failed: number;
  unchanged: number;
}

const BAR = 24;

function bar(done: number, total: number | undefined): string {
  if (!total) return " ".repeat(BAR);
  const filled = Math.min(BAR, Math.round((done / total) * BAR));
  return "█".repeat(filled) + "░".repeat(BAR - filled);
}

export interface BackupRenderer {
  (event: BackupEvent): void;
  /** Clears the live display (before printing a summary). */
  stop(): void;
}

export function createBackupRenderer(mode: RenderMode, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): BackupRenderer {
  if (mode === "json") {
    const r = ((event: BackupEvent) => writeJsonLine(out, event)) as BackupRenderer;
    r.stop = () => {};
    return r;
  }
  const layers = new Map<Layer, LayerState>();
  let bytes = 0;
  let drawn = 0;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | undefined;
  const warnings: string[] = [];

  const state = (layer: Layer) => {
    let s = layers.get(layer);
    if (!s) {
      s = { layer, done: 0, failed: 0, unchanged: 0 };
      layers.set(layer, s);
    }
    return s;
  };

  const draw = () => {
    timer = undefined;
    lastDraw = Date.now();
    const lines: string[] = [];
    for (const s of layers.values()) {
      if (s.layer === "tenant") continue;
      const total = s.total ?? (s.layer === "objects" ? undefined : s.done);
      const count = s.total !== undefined ? `${s.done}/${s.total}` : `${s.done}`;
      const extra = [s.unchanged ? `${s.unchanged} unchanged` : "", s.failed ? `${s.failed} failed` : ""].filter(Boolean).join(", ");
      lines.push(`  ${s.layer.padEnd(8)} ${bar(s.done, total)} ${count}${extra ? `  (${extra})` : ""}`);
    }
    const apps = layers.get("apps");
    const overall = apps?.total ? `${Math.round((apps.done / apps.total) * 100)}%` : "…";
    lines.push(`  overall  ${apps ? bar(apps.done, apps.total) : bar(0, 1)} ${overall}  ${formatBytes(bytes)} exported`);
    let text = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const l of lines) text += `\x1b[2K${l}\n`;
    err.write(text);
    drawn = lines.length;
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, 100 - (Date.now() - lastDraw));
    timer = setTimeout(draw, wait);
  };

  const r = ((event: BackupEvent) => {
    switch (event.type) {
      case "layer-start": {
        const s = state(event.layer);
        if (event.total !== undefined) s.total = event.total;
        if (mode === "text" && event.layer !== "tenant") err.write(`backing up ${event.layer}${event.total !== undefined ? ` (${event.total})` : ""}\n`);
        break;
      }
      case "item": {
        const s = state(event.layer);
        // Apps count through "progress" events (one per finished app).
        if (event.layer !== "apps") s.done++;
        if (event.status === "failed") s.failed++;
        if (event.status === "unchanged") s.unchanged++;
        if (event.bytes) bytes += event.bytes;
        if (event.status === "failed") {
          const msg = `failed: ${event.layer.replace(/s$/, "")} ${event.name ? `'${clean(event.name)}' ` : ""}(${clean(event.id)}): ${clean(event.reason ?? "no reason given", 2000)}\n`;
          if (mode === "text") err.write(msg);
          else warnings.push(msg);
        }
        break;
      }
      case "progress": {
        const s = state(event.layer);
        s.done = event.done;
        s.total = event.total;
        break;
      }
      case "warning":
        if (mode === "text") err.write(`warning: ${clean(event.message, 2000)}\n`);
        else if (event.code === "waiting") {
          // A stalled run must say so now, not after it ends: the line goes above the bars.
          err.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ""}warning: ${clean(event.message, 2000)}\n`);
          drawn = 0;
        } else warnings.push(`warning: ${clean(event.message, 2000)}\n`);
        break;
      case "done":
        break;
    }
    if (mode === "tty") schedule();
  }) as BackupRenderer;
  r.stop = () => {
    if (mode !== "tty") return;
    if (timer) clearTimeout(timer);
    draw();
    for (const w of warnings) err.write(w);
  };
  return r;
}
