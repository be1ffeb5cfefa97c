/**
 * Repository and password options shared by every command that touches a repository.
 * The environment is read here, at the edge, and nowhere deeper:
 *   repository: --repo, else LIFEBOAT_REPOSITORY, else `repository:` of the config file
 *               (--config, LIFEBOAT_CONFIG or ./lifeboat.yaml); a path or s3:ENDPOINT/BUCKET/PREFIX
 *   password:   --password-file, else LIFEBOAT_PASSWORD; --insecure-no-password for none
 */
import { readFile } from "node:fs/promises";
import { openRepository, initRepository, type OpenOptions, type Repository, type RepositoryEvent } from "@lifeboat/repository";
import type { Command } from "commander";
import { repositoryFromConfig } from "./config.ts";
import { UserError } from "./errors.ts";

export interface RepoCliOptions {
  repo?: string;
  config?: string;
  passwordFile?: string;
  insecureNoPassword?: boolean;
}

export function addRepoOptions(cmd: Command): Command {
  // Commands that also pick a tenant declare --config themselves; one option serves both.
  if (!cmd.options.some((o) => o.long === "--config")) cmd.option("--config <file>", "config file (default: LIFEBOAT_CONFIG, or ./lifeboat.yaml if it exists)");
  return cmd
    .option("-r, --repo <location>", "repository: a path or s3:ENDPOINT/BUCKET/PREFIX (default: LIFEBOAT_REPOSITORY, else repository: in the config file)")
    .option("--password-file <file>", "read the repository password from this file (default: LIFEBOAT_PASSWORD)")
    .option("--insecure-no-password", "use a repository without a password (only if it was created that way)");
}

/** Reads a password file: its first line, without the line ending. */
export async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`password file ${file} does not exist — check --password-file`);
    if (code === "EISDIR") throw new UserError(`password file ${file} is a directory — give the path of a file`);
    throw new UserError(`cannot read password file ${file}: ${(err as Error).message}`);
  }
  const first = text.split(/\r?\n/)[0] ?? "";
  if (first === "") throw new UserError(`password file ${file} is empty — write the password on its first line`);
  return first;
}

/** Resolves --repo / --password-file / --insecure-no-password against the environment. */
export async function resolveRepoOptions(
  opts: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<Pick<OpenOptions, "url" | "password" | "insecureNoPassword">> {
  const o = opts as RepoCliOptions;
  // The config file is read only when neither the flag nor the environment names a repository.
  const url = o.repo ?? env.LIFEBOAT_REPOSITORY ?? repositoryFromConfig({ config: o.config }, env, cwd)?.url;
  if (!url)
    throw new UserError(
      "no repository given — pass --repo or set LIFEBOAT_REPOSITORY, or write repository: in lifeboat.yaml (a path or s3:ENDPOINT/BUCKET/PREFIX)",
    );
  let password: string | undefined;
  if (o.passwordFile) password = await readPasswordFile(o.passwordFile);
  else if (env.LIFEBOAT_PASSWORD) password = env.LIFEBOAT_PASSWORD;
  return { url, password, insecureNoPassword: o.insecureNoPassword === true };
}

/**
 * `--no-lock` for commands that only read (restic's flag): no lock file is written, so a
 * read-only or immutable repository (a read-only mount, WORM storage, read-only S3 credentials)
 * can be listed, verified and restored from. Without the flag these commands still fall back to
 * reading without a lock when the storage refuses the lock write, and say so (docs/design.md, "Locking").
 */
export function addNoLockOption(cmd: Command): Command {
  return cmd.option("--no-lock", "write no lock file: for read-only or immutable repositories (a prune running meanwhile can make this run fail, never return wrong data)");
}

/** Open options of a command that only reads: a shared lock if it wants one, `--no-lock`, and the read-only fallback. */
export function readOnlyOpenOptions(opts: Record<string, unknown>, lock?: { purpose: string }): Partial<OpenOptions> {
  return {
    autoLock: "none",
    noLock: opts.lock === false,
    readOnlyFallback: true,
    ...(lock ? { lock: { kind: "shared" as const, purpose: lock.purpose } } : {}),
  };
}

/** Opens the repository named by the command's options. The caller closes it. */
export async function openRepoFromOptions(opts: Record<string, unknown>, extra: Partial<OpenOptions> = {}): Promise<Repository> {
  return openRepository({ ...(await resolveRepoOptions(opts)), onEvent: renderRepositoryEvent, ...extra });
}

/** Repository warnings (damaged files skipped, stale locks removed) go to stderr. */
export function renderRepositoryEvent(e: RepositoryEvent): void {
  if (e.type === "warning" || e.type === "read-only") process.stderr.write(`lifeboat: warning: ${e.message}\n`);
  else if (e.type === "stale-lock-removed") {
    const who = e.lock ? `${e.lock.purpose} (PID ${e.lock.pid} on ${e.lock.hostname})` : "an unreadable lock";
    process.stderr.write(`lifeboat: removed stale lock of ${who}: ${e.reason}\n`);
  }
}

/** Creates a repository at the location named by the command's options. */
export async function initRepoFromOptions(opts: Record<string, unknown>, extra: Partial<OpenOptions> = {}): Promise<Repository> {
  return initRepository({ ...(await resolveRepoOptions(opts)), onEvent: renderRepositoryEvent, ...extra });
}
