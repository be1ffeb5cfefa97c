/** `lifeboat init`: create a repository (refuses any location that already holds something). */
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { addRepoOptions, initRepoFromOptions } from "../repo-options.ts";

export function register(program: Command): void {
  const cmd = program
    .command("init")
    .description("create a new, empty repository (password from LIFEBOAT_PASSWORD or --password-file)")
    .option("--json", "print the result as JSON");
  addRepoOptions(cmd);
  cmd.action(async (opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await initRepoFromOptions(opts);
    try {
      const info = { id: repo.config.id, location: repo.location, version: repo.config.version, encrypted: opts.insecureNoPassword !== true };
      if (opts.json) writeJson(process.stdout, info);
      else {
        process.stdout.write(`created repository ${info.id.slice(0, 12)} at ${info.location}\n`);
        if (opts.insecureNoPassword) process.stdout.write("warning: this repository has no password; anyone who can read the storage can read the backups\n");
        else process.stdout.write("keep the password safe: without it the data cannot be read back\n");
      }
    } finally {
      await repo.close();
    }
  });
}
