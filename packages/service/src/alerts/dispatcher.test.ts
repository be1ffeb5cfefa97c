/**
 * Alerts end to end on loopback: a real HTTP receiver standing in for the generic
 * webhook, Slack and Teams, and a real SMTP server (smtp-server) with
 * authentication. The run history is the real store (SQLite in memory).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openHistoryStore, type HistoryStore } from "../history/store.ts";
import { AlertDispatcher } from "./dispatcher.ts";
import { eventForMissed, type AlertEvent } from "./events.ts";
import { parseAlertSettings, type AlertSettings } from "./settings.ts";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}
interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

const SLACK_TOKEN = "xoxSlackSecretToken42";
const TEAMS_TOKEN = "teamsSecretToken77";
const HOOK_BEARER = "Bearer hookSecretBearer99";
const SMTP_PASSWORD = "smtp-Secret-Password-1";
const SECRETS = [SLACK_TOKEN, TEAMS_TOKEN, HOOK_BEARER, "hookSecretBearer99", SMTP_PASSWORD];

let http: Server;
let httpBase: string;
let received: Received[] = [];
const flakyCount = new Map<string, number>();
let gate: Promise<void> | undefined;

let smtp: SMTPServer;
let smtpPort: number;
let mails: Mail[] = [];

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", async () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body });
      if (path.startsWith("/slow") && gate) await gate;
      if (path.startsWith("/fail")) return res.writeHead(500).end(`internal error for ${path}`); // echoes the secret path
      if (path.startsWith("/gone")) return res.writeHead(404).end("no such webhook");
      if (path.startsWith("/flaky")) {
        const n = (flakyCount.get(path) ?? 0) + 1;
        flakyCount.set(path, n);
        if (n === 1) return res.writeHead(503).end("try later");
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true, // loopback only; production settings default to STARTTLS required
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (auth.username === "lifeboat" && auth.password === SMTP_PASSWORD) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
        });
        cb();
      });
    },
  });
  smtp.on("error", () => undefined);
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
});

let history: HistoryStore;
let delays: number[];
beforeEach(async () => {
  received = [];
  mails = [];
  delays = [];
  flakyCount.clear();
  history = await openHistoryStore({ sqlite: ":memory:" });
});
afterEach(async () => history.close());

function settings(channels: unknown[], extra: Record<string, unknown> = {}): AlertSettings {
  const r = parseAlertSettings({ channels, ...extra }, "tenants.acme.alerts");
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.settings;
}
const emailChannel = (password = SMTP_PASSWORD) => ({ type: "email", host: "127.0.0.1", port: smtpPort, tls: "none", username: "lifeboat", password, from: "lifeboat@example.test", to: ["ops@example.test", "oncall@example.test"] });
const allChannels = () => [
  { type: "webhook", url: `${httpBase}/hook`, headers: { Authorization: HOOK_BEARER } },
  { type: "slack", url: `${httpBase}/services/T0001/B0002/${SLACK_TOKEN}` },
  { type: "teams", url: `${httpBase}/webhookb2/${TEAMS_TOKEN}/IncomingWebhook/abc` },
  emailChannel(),
];
function dispatcher(s: AlertSettings, attempts = 3) {
  return new AlertDispatcher({
    settingsFor: (t) => (t === "acme" ? s : undefined),
    history,
    attempts,
    baseDelayMs: 100,
    sleep: async (ms) => void delays.push(ms),
    now: () => new Date("2026-12-07T10:00:00Z"),
    timeoutMs: 5000,
  });
}

const failed: AlertEvent = {
  type: "run-failed",
  tenant: "acme",
  at: new Date("2026-12-07T02:01:00Z"),
  title: "Backup of tenant 'acme' failed",
  text: "The backup run failed: 401 from https://acme.eu.qlikcloud.com. Read the run's log.",
  runId: "run-1",
  link: "logs/run-1.ndjson",
  facts: { run: "run-1", apps: 3 },
};

/** A mail's decoded headers and text (nodemailer may use quoted-printable). */
function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const [head, ...rest] = raw.split("\r\n\r\n");
  const headers: Record<string, string> = {};
  for (const line of head!.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = rest.join("\r\n\r\n");
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] ?? "")) {
    text = text.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return { headers, text: text.replace(/\r\n/g, "\n") };
}

describe("each channel receives exactly one well-formed message per event", () => {
  it("webhook JSON, Slack blocks, a Teams Adaptive Card and an e-mail", async () => {
    const d = dispatcher(settings(allChannels()));
    const results = await d.deliver(failed);
    expect(results.map((r) => [r.channel, r.outcome, r.attempts, r.error])).toEqual([
      [`webhook ${httpBase}/…`, "delivered", 1, null],
      [`slack ${httpBase}/…`, "delivered", 1, null],
      [`teams ${httpBase}/…`, "delivered", 1, null],
      [`email via 127.0.0.1:${smtpPort} to ops@example.test, oncall@example.test`, "delivered", 1, null],
    ]);

    const at = (prefix: string) => received.filter((r) => r.path.startsWith(prefix));
    expect(received).toHaveLength(3);

    const [hook] = at("/hook");
    expect(hook!.headers["content-type"]).toBe("application/json");
    expect(hook!.headers.authorization).toBe(HOOK_BEARER);
    expect(JSON.parse(hook!.body)).toEqual({
      source: "lifeboat",
      version: 1,
      type: "run-failed",
      tenant: "acme",
      at: "2026-12-07T02:01:00.000Z",
      title: "Backup of tenant 'acme' failed",
      text: failed.text,
      runId: "run-1",
      link: "logs/run-1.ndjson",
      facts: { run: "run-1", apps: 3 },
    });

    const [slack] = at("/services/");
    const sp = JSON.parse(slack!.body) as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    expect(sp.text).toBe("Backup of tenant 'acme' failed");
    expect(sp.blocks.map((b) => b.type)).toEqual(["header", "section", "section", "context"]);
    expect(sp.blocks[0]!.text).toEqual({ type: "plain_text", text: "Backup of tenant 'acme' failed" });
    expect(sp.blocks[1]!.text).toEqual({ type: "mrkdwn", text: failed.text });
    expect(sp.blocks[2]!.text!.text).toBe("• run: run-1\n• apps: 3");

    const [teams] = at("/webhookb2/");
    const tp = JSON.parse(teams!.body) as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: unknown }[] } }[] };
    expect(tp.type).toBe("message");
    expect(tp.attachments).toHaveLength(1);
    expect(tp.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(tp.attachments[0]!.content.type).toBe("AdaptiveCard");
    expect(tp.attachments[0]!.content.body.map((b) => b.type)).toEqual(["TextBlock", "TextBlock", "FactSet", "TextBlock"]);
    expect(tp.attachments[0]!.content.body[0]!.text).toBe("Backup of tenant 'acme' failed");
    expect(tp.attachments[0]!.content.body[2]!.facts).toEqual([{ title: "run", value: "run-1" }, { title: "apps", value: "3" }]);

    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: "lifeboat@example.test", to: ["ops@example.test", "oncall@example.test"], user: "lifeboat" });
    const mail = parseMail(mails[0]!.raw);
    expect(mail.headers.subject).toBe("[Lifeboat] Backup of tenant 'acme' failed");
    expect(mail.headers.from).toBe("lifeboat@example.test");
    expect(mail.headers.to).toBe("ops@example.test, oncall@example.test");
    expect(mail.text).toContain(failed.text);
    expect(mail.text).toContain("More: logs/run-1.ndjson");

    // one more event: one more message each
    await d.deliver(eventForMissed("acme", [new Date("2026-12-06T02:00:00Z")], new Date("2026-12-07T10:00:00Z")));
    expect(received).toHaveLength(6);
    expect(mails).toHaveLength(2);
    expect(JSON.parse(at("/hook")[1]!.body).type).toBe("run-missed");

    const recorded = await history.listAlertDeliveries({ tenant: "acme" });
    expect(recorded).toHaveLength(8);
    expect(recorded.every((r) => r.outcome === "delivered")).toBe(true);
  });

  it("sends only the events the tenant chose, and the test alert always", async () => {
    const d = dispatcher(settings([{ type: "webhook", url: `${httpBase}/hook` }], { events: ["mass-deletion"] }));
    expect(await d.deliver(failed)).toEqual([]);
    expect(received).toHaveLength(0);
    const results = await d.sendTestAlert("acme", "alice");
    expect(results).toEqual([{ channel: `webhook ${httpBase}/…`, outcome: "delivered", attempts: 1, error: null }]);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: "test", title: "Test alert for tenant 'acme'", facts: { "sent by": "alice" } });
    await expect(d.sendTestAlert("nobody", "alice")).rejects.toThrow(/tenant 'nobody' has no alert settings/);
  });

  it("a test alert reaches every channel once", async () => {
    const results = await dispatcher(settings(allChannels())).sendTestAlert("acme", "bob");
    expect(results.every((r) => r.outcome === "delivered")).toBe(true);
    expect(received.map((r) => r.path.split("/")[1])).toEqual(expect.arrayContaining(["hook", "services", "webhookb2"]));
    expect(received).toHaveLength(3);
    expect(mails).toHaveLength(1);
  });
});

describe("a failing channel", () => {
  it("is retried with backoff, recorded as failed, and does not stop the other channels", async () => {
    const d = dispatcher(
      settings([
        { type: "slack", url: `${httpBase}/fail/services/T1/B2/${SLACK_TOKEN}` },
        { type: "webhook", url: `${httpBase}/hook` },
      ]),
      3,
    );
    const results = await d.deliver(failed);
    expect(received.filter((r) => r.path.startsWith("/fail"))).toHaveLength(3);
    expect(received.filter((r) => r.path === "/hook")).toHaveLength(1);
    expect(delays).toEqual([100, 200]);
    expect(results[0]).toEqual({ channel: `slack ${httpBase}/…`, outcome: "failed", attempts: 3, error: expect.stringMatching(/^HTTP 500 /) });
    expect(results[0]!.error).toContain("[redacted]"); // the receiver echoed the URL's token
    const [rec] = (await history.listAlertDeliveries()).filter((r) => r.outcome === "failed");
    expect(rec).toMatchObject({ tenant: "acme", event: "run-failed", outcome: "failed", attempts: 3, runId: "run-1" });
  });

  it("that fails once is delivered on the second try", async () => {
    const results = await dispatcher(settings([{ type: "teams", url: `${httpBase}/flaky/${TEAMS_TOKEN}` }])).deliver(failed);
    expect(results[0]).toMatchObject({ outcome: "delivered", attempts: 2, error: null });
    expect(delays).toEqual([100]);
  });

  it("that refuses the message (HTTP 404, SMTP 535) is not retried", async () => {
    const results = await dispatcher(settings([{ type: "webhook", url: `${httpBase}/gone` }, emailChannel("wrong-password-x")])).deliver(failed);
    expect(results.map((r) => [r.outcome, r.attempts])).toEqual([
      ["failed", 1],
      ["failed", 1],
    ]);
    expect(results[0]!.error).toMatch(/HTTP 404 "no such webhook"; check the channel's URL/);
    expect(results[1]!.error).toMatch(/535/);
    expect(results[1]!.error).not.toContain("wrong-password-x");
    expect(mails).toHaveLength(0);
  });

  it("that cannot be reached is retried and recorded", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const results = await dispatcher(settings([{ type: "slack", url: `http://127.0.0.1:${port}/services/T/B/${SLACK_TOKEN}` }]), 2).deliver(failed);
    expect(results[0]).toMatchObject({ outcome: "failed", attempts: 2, error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("never blocks the run: notify returns at once while a channel hangs", async () => {
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const d = dispatcher(settings([{ type: "webhook", url: `${httpBase}/slow` }]));
    const before = performance.now();
    expect(d.notify(failed)).toBeUndefined();
    expect(performance.now() - before).toBeLessThan(50);
    // the run goes on; the receiver is still holding the request
    await new Promise((r) => setImmediate(r));
    expect(await history.listAlertDeliveries()).toEqual([]);
    release();
    await d.idle();
    gate = undefined;
    expect((await history.listAlertDeliveries()).map((r) => r.outcome)).toEqual(["delivered"]);
  });

  it("never writes a secret to the history or the results", async () => {
    const d = dispatcher(
      settings([
        { type: "webhook", url: `${httpBase}/fail/${SLACK_TOKEN}?token=${TEAMS_TOKEN}`, headers: { Authorization: HOOK_BEARER } },
        { type: "slack", url: `${httpBase}/fail/services/T1/B2/${SLACK_TOKEN}` },
        emailChannel("not-" + SMTP_PASSWORD),
        emailChannel(),
      ]),
      2,
    );
    const results = await d.deliver(failed);
    await d.sendTestAlert("acme", "carol");
    const everything = JSON.stringify({ results, recorded: await history.listAlertDeliveries({ limit: 1000 }), runs: await history.listRuns(), audit: await history.listAudit() });
    for (const s of [...SECRETS, "not-" + SMTP_PASSWORD]) expect(everything).not.toContain(s);
    expect(everything).toContain("[redacted]");
  });
});

describe("parseAlertSettings", () => {
  it("gives field paths and never repeats a secret", () => {
    const r = parseAlertSettings(
      {
        channels: [
          { type: "slack", url: "ftp://hooks.example/services/T/B/SeCrEt" },
          { type: "email", host: "", port: 70000, username: "u", from: "nobody", to: ["ops@example.test", "not an address"] },
          { type: "pager", url: "https://x" },
          { type: "webhook", url: "https://x.test/h", headers: { A: 1 }, extra: true },
        ],
        events: ["run-failed", "earthquake"],
        massDeletion: { apps: 1.5 },
      },
      "tenants.acme.alerts",
    );
    expect(r.ok).toBe(false);
    const issues = !r.ok ? r.issues : [];
    expect(issues.map((i) => i.path)).toEqual([
      "tenants.acme.alerts.events[1]",
      "tenants.acme.alerts.massDeletion.apps",
      "tenants.acme.alerts.channels[0].url",
      "tenants.acme.alerts.channels[1].host",
      "tenants.acme.alerts.channels[1].port",
      "tenants.acme.alerts.channels[1].password",
      "tenants.acme.alerts.channels[1].from",
      "tenants.acme.alerts.channels[1].to[1]",
      "tenants.acme.alerts.channels[2].type",
      "tenants.acme.alerts.channels[3].extra",
      "tenants.acme.alerts.channels[3].headers.A",
    ]);
    expect(JSON.stringify(issues)).not.toContain("SeCrEt");
  });
  it("fills defaults: every event but the test, 20% thresholds, STARTTLS on 587", () => {
    const r = parseAlertSettings({ channels: [{ type: "email", host: "smtp.example.test", from: "a@b.test", to: "ops@b.test" }] });
    expect(r).toEqual({
      ok: true,
      settings: {
        events: ["run-failed", "run-partial", "run-missed", "verify-failed", "mass-deletion"],
        massDeletion: { apps: 0.2, objects: 0.2 },
        channels: [{ type: "email", host: "smtp.example.test", port: 587, tls: "starttls", username: null, password: null, from: "a@b.test", to: ["ops@b.test"] }],
      },
    });
  });
});
