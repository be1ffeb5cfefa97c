/** NDJSON: one JSON document per line, for automation (`--json`). */
export function writeJsonLine(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value) + "\n");
}

export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + "\n");
}
