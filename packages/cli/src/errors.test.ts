import { DamageError, RepositoryError } from "@lifeboat/repository";
import { createTestRepository, reopenTestRepository } from "@lifeboat/repository/testing";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor, UserError } from "./errors.ts";

describe("exitCodeFor", () => {
  it("maps every kind of failure to the README's table, in one place", () => {
    expect(exitCodeFor(new UserError("x", EXIT.partial))).toBe(3);
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
    for (const code of ["NO_SNAPSHOT", "BAD_ID", "AMBIGUOUS"]) expect(exitCodeFor(new RepositoryError("no snapshot 'x'", code))).toBe(2);
    expect(exitCodeFor(new RepositoryError("locked", "LOCKED"))).toBe(1);
    expect(exitCodeFor(new Error("anything else"))).toBe(1);
    expect(exitCodeFor(Object.assign(new Error("a foreign exitCode is not trusted"), { exitCode: 7 }))).toBe(1);
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
