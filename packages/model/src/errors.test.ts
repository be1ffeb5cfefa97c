/**
 * The error vocabulary, and the rule that goes with it: exit codes are decided only in the
 * CLI (`exitCodeFor` in packages/cli/src/errors.ts, called by main). No other source file
 * of any package mentions `exitCode` — no error class carries one, no command sets
 * `process.exitCode`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorCodeOf, isErrorCode, isLifeboatError, LifeboatError } from "./errors.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Where `exitCode` may appear: the CLI's one map, its caller, and their tests. */
const EXIT_CODE_HOMES = new Set(["packages/cli/src/errors.ts", "packages/cli/src/main.ts", "packages/cli/src/errors.test.ts", "packages/cli/src/main.test.ts", "packages/model/src/errors.test.ts"]);

/** Every mention of `exitCode` outside its homes, as "file:line: text". */
export function exitCodeMentions(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    if (EXIT_CODE_HOMES.has(file)) continue;
    text.split("\n").forEach((line, i) => {
      if (/\bexitCode\b/.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("LifeboatError", () => {
  it("carries a code, the object, the place, the next step and the cause; the message stays as written", () => {
    const cause = new Error("EACCES");
    const e = new LifeboatError("forbidden", "cannot write the restore state folder /s (EACCES); point --state-dir at a writable folder", {
      object: "restore state folder",
      place: "/s",
      next: "point --state-dir at a writable folder",
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe("cannot write the restore state folder /s (EACCES); point --state-dir at a writable folder");
    expect(e).toMatchObject({ name: "LifeboatError", code: "forbidden", object: "restore state folder", place: "/s", next: "point --state-dir at a writable folder" });
    expect(e.cause).toBe(cause);
    expect(Object.keys(new LifeboatError("usage", "x"))).not.toContain("place"); // absent facts are absent, not undefined
  });

  it("every code is documented", () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(meaning.length, code).toBeGreaterThan(5);
    }
  });

  it("errorCodeOf reads the code of anything thrown; an error without one of ours is internal", () => {
    class Sub extends LifeboatError {}
    expect(errorCodeOf(new Sub("damaged", "x"))).toBe("damaged");
    // From another copy of this module: the same code, duck-typed.
    const foreign = Object.assign(new Error("x"), { code: "locked" });
    expect(errorCodeOf(foreign)).toBe("locked");
    expect(isLifeboatError(foreign)).toBe(true);
    // Node's codes, commander's, none at all, not an error: internal.
    expect(errorCodeOf(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe("internal");
    expect(errorCodeOf(Object.assign(new Error("x"), { code: "commander.unknownOption" }))).toBe("internal");
    expect(errorCodeOf(new Error("x"))).toBe("internal");
    expect(errorCodeOf("text")).toBe("internal");
    expect(errorCodeOf(null)).toBe("internal");
    expect(isLifeboatError(new Error("x"))).toBe(false);
    expect(isLifeboatError({ code: "usage" })).toBe(false); // not an Error
    expect(isErrorCode("toString")).toBe(false); // own keys only
  });
});

describe("exit codes are decided only in the CLI", () => {
  it("no package's source mentions exitCode outside packages/cli/src/errors.ts and main.ts", () => {
    const files = new Map<string, string>();
    for (const pkg of readdirSync(join(ROOT, "packages"), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const src = join(ROOT, "packages", pkg.name, "src");
      for (const f of tsFiles(src)) files.set(relative(ROOT, f).split("\\").join("/"), readFileSync(f, "utf8"));
    }
    expect(files.has("packages/cli/src/errors.ts")).toBe(true);
    expect(exitCodeMentions(files)).toEqual([]);
  });

  it("fails when one does", () => {
    const files = new Map([
      ["packages/repository/src/errors.ts", "export class DamageError extends Error {\n  readonly exitCode = 4;\n}"],
      ["packages/cli/src/commands/verify.ts", "if (!report.ok) process.exitCode = 4;"],
      ["packages/cli/src/errors.ts", "export function exitCodeFor(err: unknown): number {"],
    ]);
    expect(exitCodeMentions(files)).toEqual([
      "packages/repository/src/errors.ts:2: readonly exitCode = 4;",
      "packages/cli/src/commands/verify.ts:1: if (!report.ok) process.exitCode = 4;",
    ]);
  });
});
