/**
 * Helpers of the restore e2e suites: an independent reference read of a tenant through
 * @qlik/api (REST items + QIX as the private-content bot), and `lifeboat restore` run in
 * process with captured output.
 */
import { Writable } from "node:stream";
import { backup, loadRestoreSource, type RestoreSource } from "@lifeboat/engine";
import { createTenantClient, PRIVATE_CONTENT_BOT_SCOPE } from "@lifeboat/qlik";
import type { ObjectRecord } from "@lifeboat/model";
import type { Repository, Snapshot } from "@lifeboat/repository";
import { createQlikApi } from "@qlik/api";
import { exitCodeFor, runRestore, type RestoreCommandOptions } from "lifeboat/testing";

export type Api = ReturnType<typeof createQlikApi>;
export interface Tenantish {
  host: string;
  clientId: string;
  clientSecret: string;
  apiKey: string;
}

export const hostConfigOf = (t: Tenantish) => ({ authType: "oauth2", host: t.host, clientId: t.clientId, clientSecret: t.clientSecret, scope: PRIVATE_CONTENT_BOT_SCOPE }) as const;
export const botApi = (t: Tenantish): Api => createQlikApi({ hostConfig: hostConfigOf(t) });

/** Runs `fn` in a QIX session opened with data, as the user of `apiKey` (or the bot). The doc is untyped: tests call engine methods by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function withDoc<T>(t: Tenantish, appId: string, fn: (doc: any) => Promise<T>, apiKey?: string): Promise<T> {
  const hostConfig = apiKey ? ({ authType: "apikey", host: t.host, apiKey } as const) : hostConfigOf(t);
  const session = createQlikApi({ hostConfig }).qix.openAppSession({ appId, withoutData: false, identity: `e2e-${Math.random().toString(36).slice(2)}`, hostConfig });
  try {
    return await fn(await session.getDoc());
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
}
/** Backs the tenant up as its private-content bot through the connector (the real backup engine). */
export async function takeBackup(t: Tenantish, repo: Repository, tags: string[] = []): Promise<Snapshot> {
  const client = createTenantClient({ host: t.host, auth: { type: "oauth2", clientId: t.clientId, clientSecret: t.clientSecret } });
  try {
    return (await backup({ tenant: client, repository: repo, tags })).snapshot;
  } finally {
    await client.close();
  }
}

/**
 * Deletes an app so that Qlik cannot restore it: through the REST API (a fixture app is older
 * than 45 minutes, so Qlik soft-deletes it), then its 14-day window is made to pass through the
 * emulator's admin surface (test setup only; needs `admin: true`). Lifeboat must then import it.
 */
export async function deleteForGood(t: Tenantish, appId: string): Promise<void> {
  await botApi(t).apps.deleteApp(appId);
  const aged = await fetch(`${t.host}/__emulator/apps/${encodeURIComponent(appId)}/age`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ minutes: 14 * 24 * 60 + 1 }) });
  if (!aged.ok && aged.status !== 404) throw new Error(`ageing the deletion of ${appId} failed: ${aged.status} ${await aged.text()}`);
}

export const botEnv = (t: Tenantish): NodeJS.ProcessEnv => ({ QLIK_HOST: t.host, QLIK_CLIENT_ID: t.clientId, QLIK_CLIENT_SECRET: t.clientSecret });

export interface RefObject {
  id: string;
  type: string;
  ownerSubject: string;
  approved: boolean;
  published: boolean;
}
export interface RefApp {
  appId: string;
  name: string;
  spaceId?: string;
  ownerSubject: string;
  originAppId?: string;
  objects: RefObject[];
}

/** Every app with its objects as @qlik/api reads them (bot: every user's private content). */
export async function readReference(t: Tenantish): Promise<RefApp[]> {
  const api = botApi(t);
  const hostConfig = hostConfigOf(t);
  const users = new Map<string, string>();
  for (const u of (await api.users.getUsers({ limit: 100 }, { noCache: true })).data.data ?? []) users.set(u.id!, u.subject!);
  // Unfiltered, then `spaceType=personal` (the unfiltered listing may leave other users'
  // personal apps out: emulator switch itemsListIncludesOthersPersonal, default false).
  const items = [...(await api.items.getItems({ resourceType: "app", limit: 100 }, { noCache: true })).data.data ?? []];
  for (const i of (await api.items.getItems({ resourceType: "app", spaceType: "personal", limit: 100 }, { noCache: true })).data.data ?? [])
    if (!items.some((x) => x.resourceId === i.resourceId)) items.push(i);
  const out: RefApp[] = [];
  for (const item of items) {
    const appId = item.resourceId!;
    const info = (await api.apps.getAppInfo(appId, { noCache: true })).data.attributes ?? {};
    const session = api.qix.openAppSession({ appId, withoutData: true, identity: "e2e-reference", hostConfig });
    const objects: RefObject[] = [];
    try {
      const doc = await session.getDoc();
      const children = new Set<string>();
      for (const i of await doc.getAllInfos()) {
        const q = i.qType!;
        // Snapshots are bookmark-type (@qlik/api's getSnapshotList lists them with a qBookmarkListDef).
        const bookmarkType = q === "bookmark" || q === "snapshot";
        const open = bookmarkType ? doc.getBookmark(i.qId!) : q === "measure" ? doc.getMeasure(i.qId!) : q === "dimension" ? doc.getDimension(i.qId!) : q === "variable" ? doc.getVariableById(i.qId!) : doc.getObject(i.qId!);
        const h = await open;
        const layout = (await h.getLayout()) as { qMeta?: Record<string, unknown> };
        if (!bookmarkType && q !== "measure" && q !== "dimension" && q !== "variable") {
          const tree = (await (h as unknown as { getFullPropertyTree(): Promise<unknown> }).getFullPropertyTree()) as { qChildren?: unknown[] };
          const walk = (n: unknown) => {
            for (const c of ((n as { qChildren?: unknown[] }).qChildren ?? []) as { qProperty?: { qInfo?: { qId?: string } } }[]) {
              if (c.qProperty?.qInfo?.qId) children.add(c.qProperty.qInfo.qId);
              walk(c);
            }
          };
          walk(tree);
        }
        const m = layout.qMeta ?? {};
        objects.push({ id: i.qId!, type: q, ownerSubject: String(m.owner ?? ""), approved: m.approved === true, published: m.published === true });
      }
      out.push({
        appId,
        name: item.name ?? "",
        ...(item.spaceId ? { spaceId: item.spaceId } : {}),
        ownerSubject: users.get(String(info.ownerId)) ?? "",
        ...(typeof info.originAppId === "string" && info.originAppId ? { originAppId: info.originAppId } : {}),
        objects: objects.filter((o) => !children.has(o.id)).sort((a, b) => (a.id < b.id ? -1 : 1)),
      });
    } finally {
      await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
    }
  }
  return out;
}

/** A snapshot's restore source with every app's objects read (`source.loadedObjects(id)` then has them). */
export async function loadSourceWithObjects(repo: Repository, snapshot: Snapshot): Promise<RestoreSource> {
  const source = await loadRestoreSource(repo, snapshot);
  for (const a of source.apps) await source.objectsOf(a.id);
  return source;
}

/** The snapshot objects of an app of a source from `loadSourceWithObjects`. */
export function objectsIn(source: RestoreSource, appId: string): ObjectRecord[] {
  const objects = source.loadedObjects(appId);
  if (!objects) throw new Error(`the objects of app ${appId} were not read: load the source with loadSourceWithObjects`);
  return objects;
}

/** The snapshot's view of an app, in the reference's shape. */
export function expectedObjects(source: RestoreSource, appId: string): RefObject[] {
  return objectsIn(source, appId).map((o) => ({ id: o.id, type: o.type, ownerSubject: o.ownerSubject, approved: o.approved, published: o.published })).sort((a, b) => (a.id < b.id ? -1 : 1));
}

export function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join("");
  return w;
}

export async function restoreCli(args: {
  snapshot?: string;
  opts: RestoreCommandOptions;
  env: NodeJS.ProcessEnv;
  repo: Repository;
  /** The journal store's folder (--state-dir). */
  journalDir: string;
  confirm?: (q: string) => Promise<string>;
}) {
  const stdout = sink();
  const stderr = sink();
  let code: number;
  try {
    code = await runRestore({ snapshotArg: args.snapshot, opts: { stateDir: args.journalDir, ...args.opts }, env: args.env, repo: args.repo, stdout, stderr, ...(args.confirm ? { confirm: args.confirm } : {}) });
  } catch (e) {
    stderr.write(`ERROR ${(e as Error).message}\n`);
    code = exitCodeFor(e); // as \`lifeboat\`'s main maps it
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}


type Member = { type?: string; assigneeId?: string; roles?: string[] };
/**
 * A space's members as Qlik leaves them after apps in it changed hands: an app's new owner
 * who holds no Can edit (shared) / Can manage (managed) role in the app's space — directly or
 * through a group — gets it (help.qlik.com, Qlik Analytics Migration › Update Application
 * Owners). `owners`: the new owners' ids; `spaceOwnerThen`: who owned the space at that moment
 * (the restoring bot for a space the restore created); `groupsOf`: a user's group ids.
 */
export function withAppOwnerRoles(members: Member[], spaceType: string, owners: string[], spaceOwnerThen: string, groupsOf: (userId: string) => string[] = () => []): Member[] {
  const rule = spaceType === "shared" ? { role: "producer", ok: ["producer", "facilitator", "codeveloper"] } : spaceType === "managed" ? { role: "facilitator", ok: ["facilitator"] } : undefined;
  const out = members.map((m) => ({ ...m, roles: [...(m.roles ?? [])] }));
  if (!rule) return out;
  for (const owner of new Set(owners)) {
    if (owner === spaceOwnerThen) continue;
    const held = out.filter((m) => (m.type !== "group" && m.assigneeId === owner) || (m.type === "group" && groupsOf(owner).includes(m.assigneeId ?? ""))).flatMap((m) => m.roles);
    if (held.some((r) => rule.ok.includes(r))) continue;
    const own = out.find((m) => m.type !== "group" && m.assigneeId === owner);
    if (own) own.roles.push(rule.role);
    else out.push({ type: "user", assigneeId: owner, roles: [rule.role] });
  }
  return out;
}
