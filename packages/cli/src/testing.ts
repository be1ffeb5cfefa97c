/**
 * The CLI's commands as functions, for the e2e suites and the bench that run them in process
 * (no child process, no argument parsing). Not a library API: the `lifeboat` command is.
 *
 * @example
 * import { runRestore, exitCodeFor } from "lifeboat/testing";
 * const code = await runRestore({ snapshotArg: "latest", opts: { repo, all: true, yes: true }, env }).catch(exitCodeFor);
 */
export { runBackup } from "./commands/backup.ts";
export { runRestoreDemo } from "./commands/demo.ts";
export { runRestore, type RestoreCommandOptions } from "./commands/restore.ts";
export { exitCodeFor } from "./errors.ts";
export { openRepoFromOptions } from "./repo-options.ts";
