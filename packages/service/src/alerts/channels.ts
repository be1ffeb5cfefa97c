/**
 * Rendering an alert event for each channel, and sending it once.
 *
 * Payload shapes, as documented by the receivers:
 * - generic webhook: our own JSON (`webhookPayload`), `Content-Type: application/json`.
 * - Slack incoming webhook: `{ text, blocks }`, `text` being the fallback shown in
 *   notifications (Slack, "Sending messages using incoming webhooks",
 *   https://api.slack.com/messaging/webhooks, and the Block Kit `section`/`context` blocks).
 * - Microsoft Teams incoming webhook (and a Workflows "post to a channel when a webhook
 *   request is received" URL): a message with one Adaptive Card attachment,
 *   `{ type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive",
 *   content: { type: "AdaptiveCard", version: "1.4", body: [...] } }] }` (Microsoft Learn,
 *   "Send Adaptive Cards using an Incoming Webhook",
 *   https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).
 * - e-mail over SMTP with nodemailer: a plain-text message.
 */
import { createRequire } from "node:module";
import { LifeboatError } from "@lifeboat/model";
import type { AlertEvent } from "./events.ts";
import type { Channel } from "./settings.ts";

const require = createRequire(import.meta.url);

/** A send that must not be retried (the receiver refused the message itself). */
export class PermanentDeliveryError extends LifeboatError {
  constructor(message: string) {
    super("rejected", message);
    this.name = "PermanentDeliveryError";
  }
}

export function webhookPayload(e: AlertEvent): Record<string, unknown> {
  return {
    source: "lifeboat",
    version: 1,
    type: e.type,
    tenant: e.tenant,
    at: e.at.toISOString(),
    title: e.title,
    text: e.text,
    runId: e.runId ?? null,
    link: e.link ?? null,
    facts: e.facts ?? {},
  };
}

const factLines = (e: AlertEvent) => Object.entries(e.facts ?? {}).map(([k, v]) => `${k}: ${v}`);

export function slackPayload(e: AlertEvent): Record<string, unknown> {
  const facts = factLines(e);
  return {
    text: `${e.title}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: e.title.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: e.text.slice(0, 3000) } },
      ...(facts.length ? [{ type: "section", text: { type: "mrkdwn", text: facts.map((f) => `• ${f}`).join("\n").slice(0, 3000) } }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `Lifeboat · tenant ${e.tenant} · ${e.at.toISOString()}${e.link ? ` · ${e.link}` : ""}` }] },
    ],
  };
}

export function teamsPayload(e: AlertEvent): Record<string, unknown> {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: e.title, weight: "Bolder", size: "Medium", wrap: true },
            { type: "TextBlock", text: e.text, wrap: true },
            { type: "FactSet", facts: Object.entries(e.facts ?? {}).map(([title, value]) => ({ title, value: String(value) })) },
            { type: "TextBlock", text: `Lifeboat · tenant ${e.tenant} · ${e.at.toISOString()}${e.link ? ` · ${e.link}` : ""}`, isSubtle: true, size: "Small", wrap: true },
          ],
        },
      },
    ],
  };
}

export function emailMessage(e: AlertEvent, c: Extract<Channel, { type: "email" }>): { from: string; to: string[]; subject: string; text: string } {
  const facts = factLines(e);
  return {
    from: c.from,
    to: c.to,
    subject: `[Lifeboat] ${e.title}`,
    text: [e.text, "", ...facts, ...(e.link ? ["", `More: ${e.link}`] : []), "", `Tenant ${e.tenant}, ${e.at.toISOString()}. Sent by Lifeboat.`].join("\n"),
  };
}

export interface SendOptions {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Send `e` to `c` once. Throws PermanentDeliveryError for a refusal that a retry cannot fix. */
export async function sendOnce(e: AlertEvent, c: Channel, opts: SendOptions): Promise<void> {
  if (c.type === "email") return sendEmail(e, c, opts.timeoutMs);
  const body = c.type === "webhook" ? webhookPayload(e) : c.type === "slack" ? slackPayload(e) : teamsPayload(e);
  const headers = { "content-type": "application/json", "user-agent": "lifeboat-alerts/1", ...(c.type === "webhook" ? c.headers : {}) };
  const res = await opts.fetch(c.url, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(opts.timeoutMs), redirect: "error" });
  const text = (await res.text().catch(() => "")).slice(0, 200);
  if (res.ok) return;
  const what = `HTTP ${res.status}${text ? ` ${JSON.stringify(text)}` : ""}`;
  // 408 and 429 and 5xx may pass on a later try; any other 4xx is the payload or the URL
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentDeliveryError(`${what}; check the channel's URL`);
  throw new Error(what);
}

async function sendEmail(e: AlertEvent, c: Extract<Channel, { type: "email" }>, timeoutMs: number): Promise<void> {
  const nodemailer = require("nodemailer") as typeof import("nodemailer");
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.tls === "implicit",
    requireTLS: c.tls === "starttls",
    ignoreTLS: c.tls === "none",
    ...(c.username !== null && c.password !== null ? { auth: { user: c.username, pass: c.password } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  try {
    await transport.sendMail(emailMessage(e, c));
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    const msg = (err as Error).message;
    if (typeof code === "number" && code >= 500) throw new PermanentDeliveryError(`SMTP ${code}: ${msg}`);
    throw err;
  } finally {
    transport.close();
  }
}
