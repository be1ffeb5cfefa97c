import type { Command } from "commander";

/** Every command's `register`; add one line per command module. */
export const commands: ((program: Command) => void)[] = [];
