import { DamageError, RepositoryError } from "@lifeboat/repository";
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
    for (const code of ["NO_SNAPSHOT", "BAD_ID", "AMBIGUOUS"]) expect(exitCodeFor(new RepositoryError("no snapshot 'x'", code))).toBe(2);
    expect(exitCodeFor(new RepositoryError("locked", "LOCKED"))).toBe(1);
    expect(exitCodeFor(new Error("anything else"))).toBe(1);
    expect(exitCodeFor(Object.assign(new Error("a foreign exitCode is not trusted"), { exitCode: 7 }))).toBe(1);
  });
});
