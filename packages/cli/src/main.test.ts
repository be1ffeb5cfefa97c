import { describe, expect, it } from "vitest";
import { buildProgram } from "./main.ts";

describe("a command's outcome", () => {
  it("is what its action returns (nested commands too), with no process.exitCode side channel", async () => {
    const program = buildProgram();
    program.command("ends-partial").action(async () => 3);
    await program.parseAsync(["node", "lifeboat", "ends-partial"]);
    expect(program.outcome).toBe(3);
    const nested = buildProgram();
    nested.command("group").command("ends-damaged").action(() => 4);
    await nested.parseAsync(["node", "lifeboat", "group", "ends-damaged"]);
    expect(nested.outcome).toBe(4);
    const ok = buildProgram();
    ok.command("ends-ok").action(() => undefined);
    await ok.parseAsync(["node", "lifeboat", "ends-ok"]);
    expect(ok.outcome).toBeUndefined();
    expect(process.exitCode).toBeUndefined();
  });
});
