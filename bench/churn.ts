/**
 * Benchmark setup, not Lifeboat: changes a fraction of the tenant's apps between runs
 * through the emulator's admin surface (`/__emulator/…`, enabled with `admin: true`), the
 * way users would — one object of each chosen app gets a new title, as its owner.
 */

/** Deterministic choice of `round(fraction·N)` distinct items, seeded (mulberry32 shuffle). */
export function pick<T>(all: readonly T[], fraction: number, seed: number): T[] {
  const n = Math.max(0, Math.min(all.length, Math.round(all.length * fraction)));
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...all];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

async function admin(host: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${host}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator admin ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Renames one object (the lowest id) in each of the given apps. Returns the apps changed. */
export async function changeApps(host: string, appIds: readonly string[], label: string): Promise<number> {
  let changed = 0;
  for (const appId of appIds) {
    const app = (await admin(host, "GET", `/apps/${encodeURIComponent(appId)}`)) as { objects?: Record<string, unknown> };
    const objectId = Object.keys(app.objects ?? {}).sort()[0];
    if (!objectId) continue;
    await admin(host, "PATCH", `/apps/${encodeURIComponent(appId)}/objects/${encodeURIComponent(objectId)}`, { title: `changed ${label}` });
    changed++;
  }
  return changed;
}

/** Forgets the emulator's rate-limit windows, so each measured run starts fresh. */
export async function resetRateLimits(host: string): Promise<void> {
  await admin(host, "POST", "/rate-limits/reset");
}
