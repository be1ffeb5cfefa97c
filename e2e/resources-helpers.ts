/**
 * Helpers of the resource-kind e2e suites (`resources-*.test.ts`): the real `lifeboat` bin in a
 * child process, an independent read of each declared kind through `@qlik/api` (not through
 * Lifeboat's connector), a search of every decrypted byte of a repository, and the comparison
 * of a target's items with the snapshot's (fields equal but for the kind's volatile fields,
 * references and secrets; references pointing at the target's own things).
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RESOURCES, type DeclaredKind } from "@lifeboat/engine";
import type { ResourceKindName, ResourceRecord } from "@lifeboat/model";
import type { Repository, Snapshot } from "@lifeboat/repository";
import { createQlikApi } from "@qlik/api";
import { valuesAt, without } from "../packages/engine/src/kinds/resources/fields.ts";
import { botApi, type Api, type Tenantish } from "./restore-helpers.ts";

export { botApi, type Api, type Tenantish };

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `lifeboat ARGS` as a user runs it (no inherited Qlik or Lifeboat settings). */
export function lifeboat(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["QLIK_HOST", "QLIK_API_KEY", "QLIK_CLIENT_ID", "QLIK_CLIENT_SECRET", "LIFEBOAT_CONFIG", "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_STATE_DIR"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 64 * 1024 * 1024, timeout: 280_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The NDJSON lines of a `--json` run. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type Raw = Record<string, unknown>;
const data = <T>(r: { data: unknown }): T[] => {
  const d = r.data as { data?: T[] } | T[];
  return Array.isArray(d) ? d : (d.data ?? []);
};

/**
 * Per kind: how a test reads a tenant's items through `@qlik/api` on its own (the item as Qlik
 * returns it, its id), and deletes one. A declared kind missing here is read through Lifeboat's
 * connector instead (`independent: false`), which the suites say.
 */
export interface IndependentKind {
  list(api: Api): Promise<Raw[]>;
  id(x: Raw): string;
  remove?(api: Api, id: string): Promise<unknown>;
}

const noCache = { noCache: true } as const;
export const INDEPENDENT: Partial<Record<ResourceKindName, IndependentKind>> = {
  dataConnections: {
    // What the caller sees, and (a tenant admin asks per user) every user's personal ones.
    list: async (api) => {
      const out = data<Raw>(await api.dataConnections.getDataConnections({ limit: 100, noDatafiles: true }, noCache));
      for (const u of data<Raw>(await api.users.getUsers({ limit: 100 }, noCache)))
        for (const c of data<Raw>(await api.dataConnections.getDataConnections({ userId: String(u.id), personal: true, noDatafiles: true, limit: 100 }, noCache)))
          if (!out.some((o) => o.qID === c.qID)) out.push(c);
      return out;
    },
    id: (x) => String(x.qID ?? x.id),
    remove: (api, id) => api.dataConnections.deleteDataConnection(id, {} as never),
  },
  dataCredentials: {
    list: async (api) => {
      const out: Raw[] = [];
      for (const c of data<Raw>(await api.dataConnections.getDataConnections({ limit: 100, noDatafiles: true } as never, noCache)))
        if (typeof c.qCredentialsID === "string" && c.qCredentialsID && !out.some((o) => o.qID === c.qCredentialsID))
          out.push((await api.dataCredentials.getDataCredential(c.qCredentialsID, { byCredentialName: false } as never, noCache)).data as Raw);
      return out;
    },
    id: (x) => String(x.qID ?? x.id),
  },
  reloadTasks: {
    list: async (api) => data<Raw>(await api.reloadTasks.getReloadTasks({ limit: 100 } as never, noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.reloadTasks.deleteReloadTask(id),
  },
  webhooks: {
    list: async (api) => data<Raw>(await api.webhooks.getWebhooks({ limit: 100 } as never, noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.webhooks.deleteWebhook(id),
  },
  webIntegrations: {
    list: async (api) => data<Raw>(await api.webIntegrations.getWebIntegrations({ limit: 100 } as never, noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.webIntegrations.deleteWebIntegration(id),
  },
  cspOrigins: {
    list: async (api) => data<Raw>(await api.cspOrigins.getCSPEntries({ limit: 100 } as never, noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.cspOrigins.deleteCSPEntry(id),
  },
  automations: {
    list: async (api) => {
      const out: Raw[] = [];
      // The definition is readable by its owner (or with admin.automations); the listing otherwise.
      for (const a of data<Raw>(await api.automations.getAutomations({ limit: 100, listAll: true }, noCache)))
        out.push(await api.automations.getAutomation(String(a.id), noCache).then((r) => r.data as Raw, () => a));
      return out;
    },
    id: (x) => String(x.id),
    remove: (api, id) => api.automations.deleteAutomation(id),
  },
  automationConnections: {
    list: async (api) => {
      const out: Raw[] = [];
      for (const c of data<Raw>(await api.automationConnections.getAutomationConnections({ limit: 100, listAll: true }, noCache)))
        out.push((await api.automationConnections.getAutomationConnection(String(c.id), noCache)).data as Raw);
      return out;
    },
    id: (x) => String(x.id),
    remove: (api, id) => api.automationConnections.deleteAutomationConnection(id, { forced: true }),
  },
  themes: {
    list: async (api) => data<Raw>(await api.themes.getThemes(noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.themes.deleteTheme(id),
  },
  extensions: {
    list: async (api) => data<Raw>(await api.extensions.getExtensions(noCache)),
    id: (x) => String(x.id),
    remove: (api, id) => api.extensions.deleteExtension(id),
  },
  collections: {
    list: async (api) => withItems(api, data<Raw>(await api.collections.getCollections({ limit: 100 }, noCache))),
    id: (x) => String(x.id),
    remove: (api, id) => api.collections.deleteCollection(id),
  },
  // Tags are public collections (qlik.dev/apis/rest/collections; no /api/v1/tags).
  tags: {
    list: async (api) => withItems(api, data<Raw>(await api.collections.getCollections({ type: "public", limit: 100 }, noCache))),
    id: (x) => String(x.id),
    remove: (api, id) => api.collections.deleteCollection(id),
  },
  sharingTasks: {
    list: async (api) => {
      const out: Raw[] = [];
      // The listing's array is `sharingTasks` (spec SharingTaskRecipients list), not `data`.
      const listed = ((await api.sharingTasks.getSharingTasks({ limit: 100 }, noCache)).data as { sharingTasks?: Raw[] }).sharingTasks ?? [];
      for (const t of listed) out.push(await api.sharingTasks.getSharingTask(String(t.id), { isViewChart: false }, noCache).then((r) => r.data as Raw, () => t));
      return out;
    },
    id: (x) => String(x.id),
    remove: (api, id) => api.sharingTasks.deleteSharingTask(id),
  },
  reportTemplates: {
    list: async (api) => {
      const out: Raw[] = [];
      for (const t of data<Raw>(await api.reportTemplates.getReportTemplates({ limit: 100 }, noCache)))
        out.push(await api.reportTemplates.getReportTemplate(String(t.id), noCache).then((r) => r.data as Raw, () => t));
      return out;
    },
    id: (x) => String(x.id),
    remove: (api, id) => api.reportTemplates.deleteReportTemplate(id),
  },
  customRoles: {
    list: async (api) => data<Raw>(await api.roles.getRoles({ limit: 100 }, noCache)).filter((r) => r.type === "custom"),
    id: (x) => String(x.id),
  },
  groupSettings: {
    list: async (api) => [(await api.groups.getGroupsSettings(noCache)).data as unknown as Raw],
    id: () => "settings",
  },
  licenseAssignments: {
    list: async (api) => data<Raw>(await api.licenses.getLicenseAssignments({ limit: 100 }, noCache)),
    id: (x) => String(x.subject),
  },
};

/** Collections with their items as the snapshot keeps them (id, resource type and id, name). */
async function withItems(api: Api, collections: Raw[]): Promise<Raw[]> {
  const out: Raw[] = [];
  for (const c of collections) {
    const items = data<Raw>(await api.collections.getCollectionItems(String(c.id), { limit: 100, noActions: true }, noCache)).map((i) => ({ id: i.id, resourceType: i.resourceType, resourceId: i.resourceId, name: i.name }));
    out.push({ ...c, items });
  }
  return out;
}

/** The items of every declared kind a snapshot holds, as stored (never a secret). */
export async function snapshotResources(repo: Repository, snapshot: Snapshot): Promise<Map<ResourceKindName, { record: ResourceRecord; meta: Record<string, unknown> }[]>> {
  const root = await repo.loadTree(snapshot.tree);
  const out = new Map<ResourceKindName, { record: ResourceRecord; meta: Record<string, unknown> }[]>();
  for (const kind of RESOURCES) {
    const items = (await kind.index?.load?.(repo, root)) ?? new Map();
    out.set(kind.layer, [...items.values()].map((i) => ({ record: i.record, meta: i.meta })));
  }
  return out;
}

/** Every needle found in any decrypted entry of the repository (trees, blobs, chunks, manifests) or its snapshots. */
export async function findInRepository(repo: Repository, needles: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const look = (text: string, where: string) => {
    for (const n of needles) if (text.includes(n)) found.add(`${n} in ${where}`);
  };
  await repo.refreshIndex();
  for (const [pack, meta] of repo.index.packs) {
    for (const e of meta.entries) look((await repo.readEntry(e.type, e.id)).toString("latin1"), `${e.type} ${e.id.slice(0, 12)} (pack ${pack.slice(0, 12)})`);
  }
  for (const s of await repo.listSnapshots()) look(JSON.stringify(s), `snapshot ${s.id.slice(0, 12)}`);
  return [...found];
}

/** Every needle found in any file under `dir` (journals, logs, verification reports, plan files). */
export async function findInFolder(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const text = (await readFile(p)).toString("latin1");
        for (const n of needles) if (text.includes(n)) found.push(`${n} in ${p}`);
      }
    }
  };
  await walk(dir);
  return found;
}

/** A tenant's items of a kind: through @qlik/api where this file knows the kind, else through Lifeboat's connector. */
export async function readKind(t: Tenantish, kind: DeclaredKind): Promise<{ items: { id: string; body: Raw }[]; independent: boolean }> {
  const known = INDEPENDENT[kind.layer];
  if (known) return { items: (await known.list(botApi(t))).map((x) => ({ id: known.id(x), body: x })), independent: true };
  const { createTenantClient } = await import("@lifeboat/qlik");
  const client = createTenantClient({ host: t.host, auth: { type: "oauth2", clientId: t.clientId, clientSecret: t.clientSecret } });
  try {
    const items: { id: string; body: Raw }[] = [];
    for await (const r of client.listResources!(kind.layer)) items.push({ id: r.id, body: r.body });
    return { items, independent: false };
  } finally {
    await client.close();
  }
}

/** What of a stored item must come back equal: its body without volatile fields, references and secrets. */
export function comparableBody(kind: DeclaredKind, body: Raw): Raw {
  const def = kind.def;
  return without(body, [...(def.volatile ?? []), ...(def.refs ?? []).map((r) => r.path), ...(def.secrets ?? []).map((s) => s.field)]);
}

/** The fields of `expected` (dotted, top level) whose values differ in `actual`. */
export function differingFields(expected: Raw, actual: Raw): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) if (JSON.stringify(canon(v)) !== JSON.stringify(canon(actual[k]))) out.push(k);
  return out;
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Raw).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)]));
  return v;
}

/**
 * The target item that is the stored one: the one whose comparable fields are all equal (the
 * first such, preferring the same name). Undefined when none is.
 */
export function matchItem(kind: DeclaredKind, stored: ResourceRecord, target: { id: string; body: Raw }[]): { id: string; body: Raw } | undefined {
  const want = comparableBody(kind, stored.body);
  return target.find((t) => differingFields(want, comparableBody(kind, t.body)).length === 0);
}

/** The closest target item and the fields that differ (for a failure message). */
export function closest(kind: DeclaredKind, stored: ResourceRecord, target: { id: string; body: Raw }[]): string {
  const want = comparableBody(kind, stored.body);
  const ranked = target.map((t) => ({ t, body: comparableBody(kind, t.body) })).map((x) => ({ ...x, d: differingFields(want, x.body) })).sort((a, b) => a.d.length - b.d.length);
  const show = (v: unknown) => JSON.stringify(canon(v))?.slice(0, 300);
  return ranked[0] ? `closest ${ranked[0].t.id} differs in ${ranked[0].d.map((k) => `${k}: expected ${show(want[k])}, found ${show(ranked[0]!.body[k])}`).join("; ")}` : "the target has none";
}

export { valuesAt };

export const apiOf = (t: Tenantish): Api => createQlikApi({ hostConfig: { authType: "apikey", host: t.host, apiKey: t.apiKey } });
