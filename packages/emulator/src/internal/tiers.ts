/**
 * Rate-limit tiers of the operations the emulator serves, from `operations.tsv`
 * (shared/qlik-cloud): every GET is Tier 1 (1,000/min), every write Tier 2 (100/min),
 * except the "special" operations listed here, which have a bucket of their own.
 */

export interface TierInfo {
  /** Bucket the request counts against: "1", "2" or "special:<METHOD path>". */
  bucket: string;
  perMinute: number;
}

const SPECIAL: { method: string; pattern: RegExp; name: string; perMinute: number }[] = [
  { method: "POST", pattern: /^\/api\/v1\/users\/actions\/filter$/, name: "POST /api/v1/users/actions/filter", perMinute: 200 },
  { method: "POST", pattern: /^\/api\/v1\/groups\/actions\/filter$/, name: "POST /api/v1/groups/actions/filter", perMinute: 200 },
  { method: "POST", pattern: /^\/api\/v1\/temp-contents\/files$/, name: "POST /api/v1/temp-contents/files", perMinute: 800 },
  { method: "GET", pattern: /^\/api\/v1\/audits(?:\/.*)?$/, name: "GET /api/v1/audits", perMinute: 1000 },
  { method: "PATCH", pattern: /^\/api\/v1\/temp-contents\/files\/[^/]+$/, name: "PATCH /api/v1/temp-contents/files/{id}", perMinute: 800 },
];

export function tierOf(method: string, path: string): TierInfo {
  for (const s of SPECIAL) {
    if (s.method === method && s.pattern.test(path)) return { bucket: `special:${s.name}`, perMinute: s.perMinute };
  }
  // /oauth/token is a POST, Tier 2, like every other write.
  if (method === "GET" || method === "HEAD") return { bucket: "1", perMinute: 1000 };
  return { bucket: "2", perMinute: 100 };
}
