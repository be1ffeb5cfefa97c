import { DamageError, LockedError, RepositoryError } from "@lifeboat/repository";
import { createTestRepository, reopenTestRepository } from "@lifeboat/repository/testing";
import { ERROR_CODES, LifeboatError, type ErrorCode } from "@lifeboat/model";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor, exitCodeOf, UserError } from "./errors.ts";

describe("exitCodeOf", () => {
  it("is the README's table: usage 2, partial 3, damaged and mismatch 4, every other code 1", () => {
    const special: Partial<Record<ErrorCode, number>> = { usage: 2, partial: 3, damaged: 4, mismatch: 4 };
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(exitCodeOf(code), code).toBe(special[code] ?? 1);
  });
});

describe("exitCodeFor", () => {
  it("maps every kind of failure to the README's table, in one place", () => {
    expect(exitCodeFor(new UserError("x"))).toBe(2);
    expect(exitCodeFor(new LifeboatError("partial", "x"))).toBe(3);
    expect(exitCodeFor(new LifeboatError("mismatch", "x"))).toBe(4);
    expect(exitCodeFor(new CommanderError(1, "commander.unknownOption", "error: unknown option '--x'"))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, "commander.invalidArgument", "error: …"))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, "commander.help", "(outputHelp)"))).toBe(2); // `lifeboat` alone: help on stderr
    expect(exitCodeFor(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, "commander.version", "0.1.0"))).toBe(0);
    expect(exitCodeFor(new DamageError("pack p is damaged"))).toBe(4);
    expect(exitCodeFor(new RepositoryError("index file damaged", "DAMAGED"))).toBe(4);
    expect(exitCodeFor(new RepositoryError("blob b is not in the index", "MISSING"))).toBe(4);
    // Read without a lock (--no-lock, read-only storage), a concurrent forget + prune may be why: a failed run, not damage.
    expect(exitCodeFor(new RepositoryError("blob b is not in the index … (this command read without a lock: if a forget and prune ran meanwhile, run it again)", "MISSING_UNLOCKED"))).toBe(1);
    for (const reason of ["NO_SNAPSHOT", "BAD_ID", "AMBIGUOUS"] as const) expect(exitCodeFor(new RepositoryError("no snapshot 'x'", reason))).toBe(2);
    // A repository URL without a bucket, a path that is a file: settings, exit 1 (as before the codes).
    for (const reason of ["BAD_URL", "NOT_A_DIRECTORY", "NOT_EMPTY", "WRONG_PASSWORD"] as const) expect(exitCodeFor(new RepositoryError("x", reason))).toBe(1);
    expect(exitCodeFor(new LockedError("locked"))).toBe(1);
    expect(exitCodeFor(new Error("anything else"))).toBe(1);
    expect(exitCodeFor("a string")).toBe(1);
    expect(exitCodeFor(Object.assign(new Error("a foreign exitCode is not trusted"), { exitCode: 7 }))).toBe(1);
    // Node's own codes are not ours: internal, exit 1.
    expect(exitCodeFor(Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" }))).toBe(1);
    // An error of another copy of @lifeboat/model: read by its code.
    expect(exitCodeFor(Object.assign(new Error("stored data is damaged"), { code: "damaged" }))).toBe(4);
  });

  it("an entry in no index: exit 1 (run it again) when read without a lock, exit 4 (damage) under a lock", async () => {
    const repo = await createTestRepository();
    await repo.saveBlob(Buffer.from("something, so the repository has an index"));
    await repo.close();
    const absent = "0".repeat(64);
    // --no-lock / read-only storage: a concurrent forget + prune may have removed it.
    const unlocked = await reopenTestRepository(repo, { noLock: true });
    const raced = await unlocked.readJson(absent).catch((e: unknown) => e);
    expect((raced as Error).message).toMatch(/read without a lock: if a forget and prune ran meanwhile, run it again/);
    expect(exitCodeFor(raced)).toBe(EXIT.error);
    await unlocked.close();
    // Under a shared lock no prune runs: the same gap is damage.
    const locked = await reopenTestRepository(repo, { lock: { kind: "shared", purpose: "restore" } });
    const gone = await locked.readJson(absent).catch((e: unknown) => e);
    expect((gone as Error).message).toMatch(/is not in the index/);
    expect(exitCodeFor(gone)).toBe(EXIT.damaged);
    await locked.close();
  });
});
