import type { Command } from "commander";
import { register as backup } from "./backup.ts";
import { register as demo } from "./demo.ts";
import { register as diff } from "./diff.ts";
import { register as show } from "./show.ts";
import { register as sandbox } from "./sandbox.ts";

/** Every command's `register`; add one line per command module. */
export const commands: ((program: Command) => void)[] = [
  backup,
  show,
  diff,
  demo,
  sandbox,
];
