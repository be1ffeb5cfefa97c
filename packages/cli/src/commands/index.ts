import type { Command } from "commander";
import { register as backup } from "./backup.ts";
import { register as demo } from "./demo.ts";
import { register as diff } from "./diff.ts";
import { register as show } from "./show.ts";
import { register as sandbox } from "./sandbox.ts";
import { register as init } from "./init.ts";
import { register as snapshots } from "./snapshots.ts";
import { register as ls } from "./ls.ts";
import { register as cat } from "./cat.ts";
import { register as verify } from "./verify.ts";
import { register as forget } from "./forget.ts";
import { register as prune } from "./prune.ts";
import { register as key } from "./key.ts";
import { register as restore, type RestoreHooks } from "./restore.ts";
import { register as repair } from "./repair.ts";
import { register as serve } from "./serve.ts";

/** What `main` hands every command besides the program: test hooks only (e2e/fixtures); the product passes none. */
export interface CommandContext {
  restoreHooks?: RestoreHooks;
}

/** Every command's `register`; add one line per command module. */
export const commands: ((program: Command, context: CommandContext) => void)[] = [
  backup,
  show,
  diff,
  demo,
  sandbox,
  init,
  snapshots,
  ls,
  cat,
  verify,
  forget,
  prune,
  key,
  restore,
  repair,
  serve,
];
