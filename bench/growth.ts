/**
 * What one daily run adds to a repository (P4's breakdown): the P4 tenant (100 apps × 20
 * objects, no latency, no limits), a full run, then a no-change run and a run after 2% churn.
 * After each run the new files (packs, index files, snapshot) are attributed: every new pack
 * entry to the part of the snapshot that first reached it (sealed bytes as stored), plus the
 * pack headers, index files and the snapshot file. A tree stored in parts (repository format 2)
 * shows as its index tree and its parts.
 *
 *     npx tsx bench/growth.ts                  # prints a table per run
 *     npx tsx bench/growth.ts --apps 100 --objects 20 --churn 0.02
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@lifeboat/emulator";
import { backup } from "@lifeboat/engine";
import { createTenantClient } from "@lifeboat/qlik";
import { initRepository, openRepository, type Repository, type Snapshot, type TreeEntry } from "@lifeboat/repository";
import { changeApps, pick } from "./churn.ts";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const APPS = arg("apps", 100);
const OBJECTS = arg("objects", 20);
const CHURN = arg("churn", 0.02);
const PASSWORD = "lifeboat-bench-password";

type Files = Map<string, number>;

async function files(repo: Repository): Promise<Files> {
  const out: Files = new Map();
  for (const t of ["data", "index", "snapshot"] as const) for (const f of await repo.backend.list(t)) out.set(`${t}/${f.name}`, f.size);
  return out;
}

/** Category of every entry reachable from a snapshot, first one found wins. */
async function categorise(repo: Repository, snap: Snapshot): Promise<Map<string, string>> {
  const cat = new Map<string, string>();
  const blob = async (id: string, label: string) => {
    const layout = await repo.blobLayout(id);
    if (layout.inline) {
      if (!cat.has(`inline:${id}`)) cat.set(`inline:${id}`, label);
      return;
    }
    if (!cat.has(`blob:${id}`)) cat.set(`blob:${id}`, `${label} (blob list)`);
    for (const [c] of layout.chunks) if (!cat.has(`chunk:${c}`)) cat.set(`chunk:${c}`, label);
  };
  const walk = async (treeId: string, path: string[], label: string) => {
    await treeObjects(repo, cat, treeId, label);
    const t = await repo.loadTree(treeId);
    for (const e of t.entries as TreeEntry[]) {
      const p = [...path, e.name];
      if (e.type === "tree") await walk(e.subtree, p, treeLabel(p));
      else await blob(e.blob.id, blobLabel(p));
    }
  };
  await walk(snap.tree, [], "root tree");
  if (snap.manifest) await blob(snap.manifest.id, "manifest: top-level document");
  if (snap.manifestTree) {
    await treeObjects(repo, cat, snap.manifestTree, "manifest: tree");
    const t = await repo.loadTree(snap.manifestTree);
    for (const e of t.entries) {
      if (e.type === "blob") await blob(e.blob.id, `manifest: part blobs`);
      else await walkManifestSubtree(repo, cat, e.subtree, blob);
    }
  }
  return cat;
}

async function walkManifestSubtree(repo: Repository, cat: Map<string, string>, id: string, blob: (id: string, label: string) => Promise<void>) {
  await treeObjects(repo, cat, id, "manifest: subtree");
  for (const e of (await repo.loadTree(id)).entries) {
    if (e.type === "blob") await blob(e.blob.id, "manifest: part blobs");
    else await walkManifestSubtree(repo, cat, e.subtree, blob);
  }
}

/** Labels a tree's stored objects: one, or (a large tree, format 2) an index tree and its parts. */
async function treeObjects(repo: Repository, cat: Map<string, string>, id: string, label: string): Promise<void> {
  if (cat.has(`tree:${id}`)) return;
  const obj = await repo.loadTreeObject(id);
  if (!("parts" in obj)) {
    cat.set(`tree:${id}`, label);
    return;
  }
  cat.set(`tree:${id}`, `${label}: index of parts`);
  for (const p of obj.parts) if (!cat.has(`tree:${p}`)) cat.set(`tree:${p}`, `${label}: parts`);
}

function treeLabel(p: string[]): string {
  if (p[0] === "apps") return p.length === 1 ? "apps tree" : p.length === 2 ? "app trees" : `app ${p.slice(2).join("/")} trees`;
  return `${p[0]} trees`;
}

function blobLabel(p: string[]): string {
  if (p[0] === "apps" && p.length >= 3) return p[2] === "objects" ? "app object blobs" : `app ${p[2]}`;
  return p.length === 1 ? p[0]! : `${p[0]}/* blobs`;
}

async function measure(repo: Repository, before: Files, label: string): Promise<void> {
  const after = await files(repo);
  const fresh = [...after].filter(([k]) => !before.has(k));
  await repo.loadIndex();
  const snaps = (await repo.listSnapshots()).sort((a, b) => (a.time < b.time ? -1 : 1));
  const snap = snaps[snaps.length - 1]!;
  const cat = await categorise(repo, snap);
  const rows = new Map<string, { n: number; bytes: number; plain: number }>();
  const add = (k: string, bytes: number, plain = 0, n = 1) => {
    const r = rows.get(k) ?? { n: 0, bytes: 0, plain: 0 };
    r.n += n;
    r.bytes += bytes;
    r.plain += plain;
    rows.set(k, r);
  };
  let total = 0;
  for (const [k, size] of fresh) {
    total += size;
    const [type, name] = k.split("/") as [string, string];
    if (type === "index") add("index files", size);
    else if (type === "snapshot") add("snapshot file", size);
    else {
      const pack = repo.index.packs.get(name);
      if (!pack) {
        add("pack not in index (?)", size);
        continue;
      }
      let inEntries = 0;
      for (const e of pack.entries) {
        inEntries += e.length;
        add(cat.get(`${e.type}:${e.id}`) ?? `unreachable ${e.type}`, e.length, e.size);
      }
      add("pack headers (+4-byte trailer)", size - inEntries);
    }
  }
  process.stdout.write(`\n${label}: +${total.toLocaleString("en")} bytes in ${fresh.length} new files\n`);
  process.stdout.write(`  ${"part".padEnd(40)} ${"entries".padStart(7)} ${"stored B".padStart(10)} ${"plain B".padStart(10)}\n`);
  for (const [k, r] of [...rows].sort((a, b) => b[1].bytes - a[1].bytes))
    process.stdout.write(`  ${k.padEnd(40)} ${String(r.n).padStart(7)} ${r.bytes.toLocaleString("en").padStart(10)} ${r.plain ? r.plain.toLocaleString("en").padStart(10) : "".padStart(10)}\n`);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "lifeboat-growth-"));
  const emu = await startEmulator({ fixture: "generated", apps: APPS, objectsPerApp: OBJECTS, users: 20, seed: "bench", rateLimits: "off", latency: "none", timeScale: 1, admin: true });
  try {
    const appIds = Object.keys(emu.state.tenants[0]?.apps ?? {}).sort();
    const url = join(work, "repo");
    const run = async (init: boolean, label: string) => {
      const repo = init ? await initRepository({ url, password: PASSWORD }) : await openRepository({ url, password: PASSWORD });
      const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
      try {
        const before = await files(repo);
        const { manifestRef } = await backup({ tenant: client, repository: repo });
        process.stdout.write(`\n[${label}] top-level manifest ${manifestRef.size.toLocaleString("en")} bytes of JSON`);
        await measure(repo, before, label);
      } finally {
        await client.close();
        await repo.close();
      }
    };
    await run(true, "day 0 (full)");
    await run(false, "day 1 (no change)");
    await changeApps(emu.host, pick(appIds, CHURN, 101), "day 2");
    await run(false, `day 2 (${(CHURN * 100).toFixed(0)}% churn)`);
  } finally {
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`growth failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
