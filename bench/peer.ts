/**
 * The peer: the documented approach (qlik.dev "Backup and recovery" for OEM, seed 000's
 * `export-apps-with-metadata.js`), implemented faithfully through `@qlik/api` so that it
 * can be timed beside Lifeboat on the same emulated tenant.
 *
 * Kept from the script: OAuth M2M with `admin_classic admin.apps` set as the default host
 * config; spaces, then the apps of each space; strictly sequential; per app: export
 * (`apps.exportApp` with `NoData`), the whole file downloaded into memory and written with
 * `fs.writeFileSync(Buffer.from(…))`, `qix.openAppSession({ withoutData: true })`,
 * `getAllInfos()`, then for each object one handle call and one `getLayout()` (a round
 * trip each, one after the other), a metadata JSON per app, errors caught per app.
 *
 * Changed only where the script cannot run as printed, each time in the peer's favour or
 * neutral, so that it does the same work as Lifeboat:
 * - it lists every space (all pages, every type) and the personal space, not only the first
 *   page of managed spaces, and lists apps with `items.getItems` (there is no
 *   `apps.getApps` in `@qlik/api`);
 * - `exportApp` answers 201 with a `Location` header and no body, so the file is fetched
 *   with `tempContents.downloadTempFile` (a `DownloadableBlob`, the whole file in memory)
 *   — with `noCache: true`, so `@qlik/api` does not keep every file cached for 10 minutes;
 * - bookmarks, measures, dimensions and variables are opened with their own getter
 *   (`GetObject` refuses them and the script would lose the whole app's metadata).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apps, auth, items, qix, spaces, tempContents } from "@qlik/api";
import type { HostConfig } from "@qlik/api/auth";

export interface PeerOptions {
  host: string;
  clientId: string;
  clientSecret: string;
  /** Where the .qvf and metadata files go (the script's `app-exports`). */
  exportDir: string;
  /** Export with data (P5); the script exports with `NoData: true`. */
  withData?: boolean;
}

export interface PeerResult {
  wallMs: number;
  spaces: number;
  apps: number;
  objects: number;
  bytes: number;
  failedApps: number;
  firstError?: string;
  /** REST calls the peer made, per tier ("1", "2"). */
  callsPerTier: Record<string, number>;
  /** Apps opened through QIX (OpenDoc). */
  appOpens: number;
  /** QIX calls other than opening: GetAllInfos, one getter and one GetLayout per object. */
  qixCalls: number;
}

interface Layout {
  qMeta?: { title?: string; ownerId?: string; owner?: unknown; approved?: boolean; published?: boolean; publishTime?: string };
}

interface Handle {
  getLayout(): Promise<unknown>;
}

export async function runPeer(opts: PeerOptions): Promise<PeerResult> {
  const hostConfig = {
    host: opts.host,
    authType: "oauth2",
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    scope: "admin_classic admin.apps",
  } as HostConfig;
  auth.setDefaultHostConfig(hostConfig);
  mkdirSync(opts.exportDir, { recursive: true });

  const result: PeerResult = { wallMs: 0, spaces: 0, apps: 0, objects: 0, bytes: 0, failedApps: 0, callsPerTier: { "1": 0, "2": 0 }, appOpens: 0, qixCalls: 0 };
  const count = (tier: "1" | "2") => void (result.callsPerTier[tier] = (result.callsPerTier[tier] ?? 0) + 1);
  const started = performance.now();

  // Get all spaces (every page), then the apps of each space and of the personal space.
  const spaceIds: string[] = [];
  count("1");
  let page = await spaces.getSpaces({ limit: 100 });
  for (;;) {
    for (const s of page.data.data ?? []) spaceIds.push(s.id);
    if (!page.next) break;
    count("1");
    page = await page.next();
  }
  result.spaces = spaceIds.length;

  for (const spaceId of [...spaceIds, "personal"]) {
    count("1");
    let appsPage = await items.getItems({ resourceType: "app", spaceId, limit: 100 });
    const appsList: { id: string; name: string }[] = [];
    for (;;) {
      for (const item of appsPage.data.data ?? []) appsList.push({ id: item.resourceId ?? "", name: item.name ?? "" });
      if (!appsPage.next) break;
      count("1");
      appsPage = await appsPage.next();
    }

    for (const app of appsList) {
      const appId = app.id;
      result.apps++;
      try {
        // Export the app file, the whole file in memory, then to disk.
        count("2");
        const exported = await apps.exportApp(appId, opts.withData ? {} : { NoData: true });
        const location = exported.headers.get("location") ?? "";
        const tempId = location.split("/").pop() ?? "";
        count("1");
        const download = await tempContents.downloadTempFile(tempId, {}, { noCache: true });
        const blob = download.data as Blob;
        const buffer = Buffer.from(await blob.arrayBuffer());
        writeFileSync(join(opts.exportDir, `${appId}.qvf`), buffer);
        result.bytes += buffer.length;

        // Object metadata through the engine, one object at a time.
        const session = qix.openAppSession({ appId, withoutData: true });
        const doc = await session.getDoc();
        result.appOpens++;
        const objectsList = await doc.getAllInfos();
        result.qixCalls++;
        const metadata: Record<string, unknown>[] = [];
        for (const obj of objectsList) {
          const id = obj.qId ?? "";
          let handle: Handle;
          switch (obj.qType) {
            case "bookmark":
              handle = await doc.getBookmark(id);
              break;
            case "measure":
              handle = await doc.getMeasure(id);
              break;
            case "dimension":
              handle = await doc.getDimension(id);
              break;
            case "variable":
              handle = await doc.getVariableById(id);
              break;
            default:
              handle = await doc.getObject(id);
          }
          const layout = (await handle.getLayout()) as Layout;
          result.qixCalls += 2;
          metadata.push({
            appId,
            appName: app.name,
            objectId: id,
            objectType: obj.qType,
            objectTitle: layout.qMeta?.title || "",
            ownerId: layout.qMeta?.ownerId || "",
            ownerSubject: layout.qMeta?.owner || "",
            approved: layout.qMeta?.approved || false,
            published: layout.qMeta?.published || false,
            publishTime: layout.qMeta?.publishTime || null,
          });
        }
        await session.close();
        writeFileSync(join(opts.exportDir, `${appId}-metadata.json`), JSON.stringify(metadata, null, 2));
        result.objects += metadata.length;
      } catch (error) {
        result.failedApps++;
        result.firstError ??= `app ${app.name} (${appId}): ${error instanceof Error ? error.message : JSON.stringify(error)}`;
      }
    }
  }
  result.wallMs = performance.now() - started;
  return result;
}
