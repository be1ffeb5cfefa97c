/**
 * Alert settings of one tenant, read and validated as a pure step (issues with
 * field paths). Secrets (webhook URLs carry their token in the path; header values;
 * the SMTP password) live only in these settings: `describeChannel` and
 * `secretsOf` let every record and message name a channel without them.
 *
 * @example
 *   const r = parseAlertSettings({
 *     channels: [
 *       { type: "slack", url: "https://hooks.slack.com/services/T…/B…/…" },
 *       { type: "email", host: "smtp.example.com", port: 587, username: "lifeboat", password: "…",
 *         from: "lifeboat@example.com", to: ["ops@example.com"] },
 *     ],
 *     massDeletion: { apps: 0.1, objects: 0.25 },
 *   }, "tenants.acme.alerts");
 */
import type { Issue } from "../errors.ts";
import { ALERT_EVENT_TYPES, DEFAULT_MASS_DELETION, type AlertEventType, type MassDeletionThresholds } from "./events.ts";

export type Channel =
  | { type: "webhook"; url: string; headers: Record<string, string> }
  | { type: "slack"; url: string }
  | { type: "teams"; url: string }
  | {
      type: "email";
      host: string;
      port: number;
      /** "starttls": upgrade and require TLS (default); "implicit": TLS from the start (port 465); "none": plain, for a relay on loopback only */
      tls: "starttls" | "implicit" | "none";
      username: string | null;
      password: string | null;
      from: string;
      to: string[];
    };

export interface AlertSettings {
  /** which events are sent (the test alert is always sent) */
  events: AlertEventType[];
  massDeletion: MassDeletionThresholds;
  channels: Channel[];
}

export type AlertSettingsResult = { ok: true; settings: AlertSettings } | { ok: false; issues: Issue[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

function httpUrl(v: unknown, path: string, issues: Issue[]): string | undefined {
  if (typeof v !== "string") {
    issues.push({ path, message: "missing; expected the webhook's https:// URL" });
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    issues.push({ path, message: "not a URL; expected the webhook's https:// URL" });
    return undefined;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    issues.push({ path, message: `unsupported scheme ${u.protocol}; expected https://` });
    return undefined;
  }
  return u.toString();
}

/** Validate a tenant's alert settings. Pure. Error messages never repeat a secret value. */
export function parseAlertSettings(raw: unknown, path = "alerts"): AlertSettingsResult {
  const issues: Issue[] = [];
  if (!isRecord(raw)) return { ok: false, issues: [{ path, message: "expected an object with `channels` (and optionally `events`, `massDeletion`)" }] };
  for (const k of Object.keys(raw)) if (!["events", "massDeletion", "channels"].includes(k)) issues.push({ path: `${path}.${k}`, message: "unknown field; expected events, massDeletion or channels" });

  let events: AlertEventType[] = ALERT_EVENT_TYPES.filter((e) => e !== "test");
  if (raw.events !== undefined) {
    if (!Array.isArray(raw.events)) issues.push({ path: `${path}.events`, message: `expected a list of ${events.join(", ")}` });
    else {
      events = [];
      raw.events.forEach((e, i) => {
        if (typeof e !== "string" || !ALERT_EVENT_TYPES.includes(e as AlertEventType) || e === "test") issues.push({ path: `${path}.events[${i}]`, message: `unknown event ${JSON.stringify(e)}; use one of ${ALERT_EVENT_TYPES.filter((x) => x !== "test").join(", ")}` });
        else events.push(e as AlertEventType);
      });
    }
  }

  const massDeletion = { ...DEFAULT_MASS_DELETION };
  if (raw.massDeletion !== undefined) {
    if (!isRecord(raw.massDeletion)) issues.push({ path: `${path}.massDeletion`, message: "expected { apps: 0.2, objects: 0.2 } (shares between 0 and 1)" });
    else {
      for (const k of Object.keys(raw.massDeletion)) {
        const v = raw.massDeletion[k];
        if (k !== "apps" && k !== "objects") issues.push({ path: `${path}.massDeletion.${k}`, message: "unknown field; expected apps or objects" });
        else if (typeof v !== "number" || !(v > 0 && v <= 1)) issues.push({ path: `${path}.massDeletion.${k}`, message: `bad share ${JSON.stringify(v)}; expected a number in (0, 1], e.g. 0.2 for 20%` });
        else massDeletion[k] = v;
      }
    }
  }

  const channels: Channel[] = [];
  if (!Array.isArray(raw.channels) || raw.channels.length === 0) {
    issues.push({ path: `${path}.channels`, message: "expected a non-empty list of channels (webhook, slack, teams, email)" });
  } else {
    raw.channels.forEach((c, i) => {
      const p = `${path}.channels[${i}]`;
      if (!isRecord(c)) return issues.push({ path: p, message: "expected an object with a `type`" });
      const allowed: Record<string, string[]> = {
        webhook: ["type", "url", "headers"],
        slack: ["type", "url"],
        teams: ["type", "url"],
        email: ["type", "host", "port", "tls", "username", "password", "from", "to"],
      };
      const fields = allowed[String(c.type)];
      if (!fields) return issues.push({ path: `${p}.type`, message: `unknown channel type ${JSON.stringify(c.type)}; use webhook, slack, teams or email` });
      for (const k of Object.keys(c)) if (!fields.includes(k)) issues.push({ path: `${p}.${k}`, message: `unknown field for a ${String(c.type)} channel; expected ${fields.join(", ")}` });
      if (c.type === "webhook" || c.type === "slack" || c.type === "teams") {
        const url = httpUrl(c.url, `${p}.url`, issues);
        const headers: Record<string, string> = {};
        if (c.type === "webhook" && c.headers !== undefined) {
          if (!isRecord(c.headers)) issues.push({ path: `${p}.headers`, message: "expected a map of header name to value" });
          else for (const [k, v] of Object.entries(c.headers)) {
            if (typeof v !== "string") issues.push({ path: `${p}.headers.${k}`, message: "expected a string value" });
            else headers[k] = v;
          }
        }
        if (url) channels.push(c.type === "webhook" ? { type: "webhook", url, headers } : { type: c.type, url });
        return;
      }
      // email
      const before = issues.length;
      if (typeof c.host !== "string" || c.host.trim() === "") issues.push({ path: `${p}.host`, message: "missing; expected the SMTP server's host name" });
      const tls = c.tls ?? "starttls";
      if (tls !== "starttls" && tls !== "implicit" && tls !== "none") issues.push({ path: `${p}.tls`, message: `bad value ${JSON.stringify(c.tls)}; expected starttls (default), implicit or none` });
      const port = c.port ?? (tls === "implicit" ? 465 : 587);
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) issues.push({ path: `${p}.port`, message: `bad port ${JSON.stringify(c.port)}; expected 1–65535 (587 for STARTTLS, 465 for implicit TLS)` });
      if (c.username !== undefined && typeof c.username !== "string") issues.push({ path: `${p}.username`, message: "expected a string" });
      if (c.password !== undefined && typeof c.password !== "string") issues.push({ path: `${p}.password`, message: "expected a string" });
      if ((c.password === undefined) !== (c.username === undefined)) issues.push({ path: `${p}.${c.password === undefined ? "password" : "username"}`, message: "give both username and password, or neither" });
      if (typeof c.from !== "string" || !EMAIL.test(c.from)) issues.push({ path: `${p}.from`, message: "expected a sender address such as lifeboat@example.com" });
      const to = typeof c.to === "string" ? [c.to] : c.to;
      if (!Array.isArray(to) || to.length === 0) issues.push({ path: `${p}.to`, message: "expected one or more recipient addresses" });
      else to.forEach((a, j) => {
        if (typeof a !== "string" || !EMAIL.test(a)) issues.push({ path: `${p}.to[${j}]`, message: `not an e-mail address: ${JSON.stringify(a)}` });
      });
      if (issues.length === before) {
        channels.push({
          type: "email",
          host: String(c.host),
          port: port as number,
          tls: tls as "starttls" | "implicit" | "none",
          username: (c.username as string | undefined) ?? null,
          password: (c.password as string | undefined) ?? null,
          from: String(c.from),
          to: to as string[],
        });
      }
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, settings: { events, massDeletion, channels } };
}

/** A channel named without secrets: webhook URLs keep only their origin. */
export function describeChannel(c: Channel): string {
  if (c.type === "email") return `email via ${c.host}:${c.port} to ${c.to.join(", ")}`;
  return `${c.type} ${new URL(c.url).origin}/…`;
}

/** The secret strings of a channel, to scrub from any message before it is recorded. */
export function secretsOf(c: Channel): string[] {
  const out: string[] = [];
  if (c.type === "email") {
    if (c.password) out.push(c.password, encodeURIComponent(c.password));
  } else {
    const u = new URL(c.url);
    out.push(c.url, u.pathname + u.search);
    for (const seg of u.pathname.split("/")) if (seg.length >= 6) out.push(seg);
    for (const v of u.searchParams.values()) if (v.length >= 4) out.push(v);
    if (c.type === "webhook") for (const v of Object.values(c.headers)) if (v) out.push(v);
  }
  // longest first, so a URL is replaced whole before its parts
  return [...new Set(out.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced by "[redacted]". */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("[redacted]");
  return out;
}
