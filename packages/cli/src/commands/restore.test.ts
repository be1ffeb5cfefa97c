/**
 * `lifeboat restore` up to the point where it would reach the tenant: which snapshot 'latest'
 * is when the target is not known yet, and what a restore that meets a running one says.
 * (Restores against a tenant are in e2e/.)
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { backup, LocalJournalStore, RestoreLockedError, restoreKeyOf, SAFETY_TAG } from "@lifeboat/engine";
import { kindsOf, startEmulator } from "@lifeboat/emulator";
import { createTenantClient } from "@lifeboat/qlik";
import { createFakeTenant, sampleTenantState } from "@lifeboat/engine/testing";
import { LifeboatError } from "@lifeboat/model";
import { type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT, exitCodeFor } from "../errors.ts";
import { parseLayers, runRestore, type RestoreCommandOptions } from "./restore.ts";

function sink() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString("utf8")));
  return { stream, text: () => text };
}

describe("runRestore before the tenant is reached", () => {
  let repo: Repository;
  let dir: string;
  beforeEach(async () => {
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-restore-cli-"));
  });
  afterEach(async () => {
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (snapshotArg: string, opts: RestoreCommandOptions, env: NodeJS.ProcessEnv) => {
    const stdout = sink();
    const stderr = sink();
    const error = await runRestore({ snapshotArg, opts: opts as RestoreCommandOptions & Record<string, unknown>, env, repo, stdout: stdout.stream, stderr: stderr.stream }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error: error as Error | undefined, out: stdout.text() + stderr.text() };
  };

  it("'latest' without a known target still skips safety snapshots and honours --tag (the target's error comes after)", async () => {
    await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo, tags: [SAFETY_TAG] });
    // No QLIK_HOST, no config: the target cannot be resolved early.
    const env = { HOME: dir, LIFEBOAT_STATE_DIR: join(dir, "state") };
    const safetyOnly = await run("latest", { all: true }, env);
    expect(safetyOnly.error).toBeInstanceOf(LifeboatError); // the run layer's JobError (input)
    expect((safetyOnly.error as LifeboatError).code).toBe("usage");
    expect(exitCodeFor(safetyOnly.error)).toBe(EXIT.usage);
    expect(safetyOnly.error!.message).toMatch(/holds only safety snapshots .*pass --tag pre-restore/);
    const untagged = await run("latest", { all: true, tag: ["weekly"] }, env);
    expect(untagged.error!.message).toMatch(/no snapshot carries the tag\(s\) weekly/);
    // Asked for by tag, the safety snapshot is chosen; then the missing target is what stops it.
    const tagged = await run("latest", { all: true, tag: [SAFETY_TAG] }, env);
    expect(tagged.error!.message).toMatch(/no tenant given/);
  });

  it("a restore that meets a running one into the same tenant stops without saying it continues anything", async () => {
    const snapshot = (await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo })).snapshot;
    const host = "https://acme.example.qlikcloud.com";
    const state = join(dir, "state");
    const env = { HOME: dir, LIFEBOAT_STATE_DIR: state, QLIK_HOST: host, QLIK_API_KEY: "key" };
    // An unfinished journal of this very restore: 'latest' is pinned to its snapshot …
    const store = new LocalJournalStore(state);
    const scope = { repositoryId: repo.config.id, tenant: host };
    const key = restoreKeyOf(snapshot.id, host, { all: true });
    await store.save(scope, key, { type: "begin", at: new Date().toISOString(), restoreKey: key, snapshot: snapshot.id, target: host });
    // … and another restore is running it now (its lock names a live process: this one).
    const other = new LocalJournalStore(state);
    const held = await other.lock(host, { restoring: "the running restore", restoreKey: key });
    try {
      const second = await run("latest", { all: true, yes: true }, env);
      expect(second.error).toBeInstanceOf(RestoreLockedError);
      expect(second.error!.message).toMatch(/^another restore into acme\.example\.qlikcloud\.com is running: the running restore/);
      expect(second.out).not.toMatch(/continuing/);
    } finally {
      await held.release();
    }
  });

  it("a target nothing listens at: 'cannot reach' by the connector's code (unreachable, exit 1), nothing changed", async () => {
    await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo });
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const env = { HOME: dir, LIFEBOAT_STATE_DIR: join(dir, "state"), QLIK_API_KEY: "key" };
    const r = await run("latest", { all: true, yes: true, targetHost: target, safetyBackup: false }, env);
    expect(r.error!.message).toMatch(new RegExp(`^cannot reach ${target.replace(/\./g, "\\.")} \\(could not .*ECONNREFUSED.*\\); check the host URL and the network — nothing was changed$`));
    expect((r.error as LifeboatError).code).toBe("unreachable");
    expect(exitCodeFor(r.error)).toBe(EXIT.error);
  });

  it("a --secrets file that does not fit stops the restore before the target is read, naming file and line, never a value", async () => {
    await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo });
    const file = join(dir, "secrets.yaml");
    await writeFile(file, "widgets:\n  Sales DB:\n    qPassword: SECRET-unit-planted\n");
    await chmod(file, 0o600);
    // A target nothing could reach: the file's problem is reported first.
    const env = { HOME: dir, LIFEBOAT_STATE_DIR: join(dir, "state"), QLIK_HOST: "http://127.0.0.1:9", QLIK_API_KEY: "key" };
    const r = await run("latest", { all: true, yes: true, secrets: file }, env);
    expect(exitCodeFor(r.error)).toBe(EXIT.usage);
    expect(r.error!.message).toContain(`${file}:1: unknown kind 'widgets'`);
    expect(r.error!.message + r.out).not.toContain("SECRET-unit-planted");
    const missing = await run("latest", { all: true, yes: true, secrets: join(dir, "nope.yaml") }, env);
    expect(missing.error!.message).toMatch(/nope\.yaml: it does not exist/);
  });
});

describe("--layers", () => {
  const kinds = [
    { layer: "dataConnections", noun: "data connection", path: "data-connections" },
    { layer: "reloadTasks", noun: "reload task", path: "reload-tasks" },
  ] as unknown as Parameters<typeof parseLayers>[1];
  it("takes layer names, folders and nouns, comma-separated or repeated; an unknown one lists the kinds", () => {
    expect(parseLayers(["dataConnections,reload tasks", "data-connections"], kinds)).toEqual(["dataConnections", "reloadTasks"]);
    expect(() => parseLayers(["apps"], kinds)).toThrow(/--layers apps: no such kind of tenant resource; the kinds are dataConnections \(data connections\), reloadTasks \(reload tasks\)/);
  });
});

describe("the secrets prompt (a terminal, no --secrets, --yes or --json)", () => {
  it("asks for each secret of the items the restore writes (hidden input, Enter skips), writes what was given, and lists the rest", async () => {
    const emu = await startEmulator({ fixture: "demo", admin: true });
    const repo = await createTestRepository();
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-restore-prompt-"));
    try {
      const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
      const snapshot = await backup({ tenant: client, repository: repo }).finally(() => client.close());
      // Sales DB is deleted (as its owner would in Qlik); the other connections stay.
      const connections = kindsOf(emu.state.tenants[0]!).dataConnections;
      const salesDb = Object.values(connections).find((c) => c.name === "Sales DB")!;
      const gone = await fetch(`${emu.host}/api/v1/data-connections/${salesDb.id}`, { method: "DELETE", headers: { authorization: `Bearer ${emu.apiKey}` } });
      expect(gone.status).toBe(204);

      const questions: string[] = [];
      const stdout = sink();
      const stderr = sink();
      const code = await runRestore({
        snapshotArg: snapshot.snapshot.id,
        opts: { layers: ["data connections"], stateDir: join(dir, "state"), safetyBackup: false } as RestoreCommandOptions & Record<string, unknown>,
        env: { QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret },
        repo,
        stdout: stdout.stream,
        stderr: stderr.stream,
        confirm: async () => new URL(emu.host).host,
        askSecret: async (q) => {
          questions.push(q);
          return /: password \(/.test(q) ? "SECRET-prompt-given" : "";
        },
      });
      const out = stdout.text() + stderr.text();
      expect(code, out).toBe(0);
      // Only the item the restore writes: Sales DB, each of its secret fields.
      expect(questions.length).toBeGreaterThan(0);
      expect(questions.every((q) => q.startsWith("data connection 'Sales DB': "))).toBe(true);
      const back = Object.values(connections).find((c) => c.name === "Sales DB");
      expect(back?.password).toBe("SECRET-prompt-given");
      // The plan shown knew it was given; the checklist lists what was skipped, not the password.
      expect(out).toMatch(/Sales DB +create \(new\) +recreate with input +[^\n]*password: given/);
      expect(out).toMatch(/re-entry checklist \(\d+ items?\):/);
      expect(out).not.toMatch(/Sales DB[^\n]*enter its password/);
      expect(out).not.toContain("SECRET-prompt-given");
    } finally {
      await repo.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
