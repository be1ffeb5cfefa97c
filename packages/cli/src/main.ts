/**
 * The `lifeboat` command. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; errors are mapped to exit codes here, in one place.
 */
import { Command, CommanderError } from "commander";
import { commands } from "./commands/index.ts";
import { exitCodeFor, formatError } from "./errors.ts";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("lifeboat")
    .description("Backup, restore and migration for Qlik Cloud tenants")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(formatError(err) + "\n");
    return exitCodeFor(err);
  }
}
