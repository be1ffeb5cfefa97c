/** `lifeboat key passwd`: change the repository password (rewrites only the key file). */
import type { Command } from "commander";
import { UserError } from "../errors.ts";
import { addRepoOptions, openRepoFromOptions, readPasswordFile } from "../repo-options.ts";

export function register(program: Command): void {
  const key = program.command("key").description("manage the repository's keys");
  const cmd = key
    .command("passwd")
    .description("change the password: the new one from --new-password-file or LIFEBOAT_NEW_PASSWORD")
    .option("--new-password-file <file>", "read the new password from this file");
  addRepoOptions(cmd);
  cmd.action(async (opts: { newPasswordFile?: string } & Record<string, unknown>) => {
    const next = opts.newPasswordFile ? await readPasswordFile(opts.newPasswordFile) : process.env.LIFEBOAT_NEW_PASSWORD;
    if (!next) throw new UserError("no new password given — pass --new-password-file or set LIFEBOAT_NEW_PASSWORD");
    const repo = await openRepoFromOptions(opts, { autoLock: "none" });
    try {
      await repo.changePassword(next);
      process.stdout.write(`password changed for the repository at ${repo.location}; the old password no longer opens it\n`);
    } finally {
      await repo.close();
    }
  });
}
