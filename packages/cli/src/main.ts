/**
 * The `lifeboat` command. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; errors are mapped to exit codes here, in one place (`exitCodeFor`).
 */
import { Command, CommanderError } from "commander";
import { commands, type CommandContext } from "./commands/index.ts";
import { EXIT, exitCodeFor, formatError } from "./errors.ts";

/** `lifeboat restore` for the restore command, `lifeboat key passwd` for a nested one. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * A usage error is one line and a pointer to the command's help, never the whole help:
 * "lifeboat: unknown option '--bogus' (did you mean --all?) — see 'lifeboat restore --help'".
 */
export function usageLine(commanderText: string, cmd: Command): string {
  const text = commanderText
    .trim()
    .replace(/^error:\s*/, "")
    .replace(/\s*\n\(Did you mean (.*)\?\)$/s, " (did you mean $1?)")
    .replace(/\s*\n\s*/g, " ");
  return `lifeboat: ${text} — see '${commandPath(cmd)} --help'\n`;
}

function configureErrors(cmd: Command): void {
  cmd.configureOutput({ outputError: (str, write) => write(usageLine(str, cmd)) });
  for (const sub of cmd.commands) configureErrors(sub);
}

export function buildProgram(context: CommandContext = {}): Command {
  const program = new Command("lifeboat")
    .description("Backup, restore and migration for Qlik Cloud tenants")
    .version("0.1.0")
    .exitOverride();
  for (const register of commands) register(program, context);
  configureErrors(program);
  return program;
}

/** Runs the command in `argv`; `context` carries test hooks (e2e/fixtures/lifeboat-with-hooks.js) and is empty in the product. */
export async function main(argv: string[], context: CommandContext = {}): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    // Commander has already written its one line (or the help the user asked for).
    if (!(err instanceof CommanderError)) process.stderr.write(formatError(err) + "\n");
    return exitCodeFor(err);
  }
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * A reader that goes away (`lifeboat ls --json | head -1`) closes the pipe; Node then fails
 * the next write with EPIPE, which would end the run with a stack trace. Instead the stream
 * turns into a sink: the command finishes its work quietly (a backup or restore piped into
 * `head` is not cut short) and its exit code is what the work decides.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
    stream.write = ((_chunk: unknown, encOrCb?: unknown, cb?: unknown) => {
      const done = typeof encOrCb === "function" ? encOrCb : cb;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof stream.write;
  });
}
