/**
 * Delivering alert events to a tenant's channels.
 *
 * - `notify(event)` returns at once and never throws: a run that raises an alert
 *   never waits for, or fails because of, a channel.
 * - Each channel is tried up to `attempts` times with exponential backoff
 *   (`baseDelayMs`, doubled each time, at most `maxDelayMs`); a refusal that a retry
 *   cannot fix (HTTP 4xx other than 408/429, SMTP 5xx) is not retried.
 * - Every delivery, delivered or failed, is recorded in the history store with the
 *   channel described without secrets and the error scrubbed of them.
 * - `sendTestAlert(tenant, by)` sends a test event to every channel and returns the
 *   outcome per channel (for the console's "send test alert" button).
 *
 * @example
 *   const alerts = new AlertDispatcher({ settingsFor: (t) => settings.get(t), history });
 *   alerts.notify(eventForRun(run)!);
 */
import type { HistoryStore } from "../history/store.ts";
import { PermanentDeliveryError, sendOnce } from "./channels.ts";
import type { AlertEvent } from "./events.ts";
import { describeChannel, scrub, secretsOf, type AlertSettings, type Channel } from "./settings.ts";

export interface DeliveryResult {
  channel: string;
  outcome: "delivered" | "failed";
  attempts: number;
  error: string | null;
}

export interface AlertDispatcherOptions {
  settingsFor(tenant: string): AlertSettings | undefined;
  history: Pick<HistoryStore, "recordAlertDelivery">;
  /** tries per channel, default 3 */
  attempts?: number;
  /** first backoff, default 2 s */
  baseDelayMs?: number;
  /** longest backoff, default 60 s */
  maxDelayMs?: number;
  /** per try, default 10 s */
  timeoutMs?: number;
  /** injected for tests (records the delays instead of waiting them) */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  fetch?: typeof fetch;
  /** a delivery could not even be recorded (the history store is down) */
  onRecordError?: (error: unknown) => void;
}

export class AlertDispatcher {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: AlertDispatcherOptions) {
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.baseDelayMs = opts.baseDelayMs ?? 2000;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? (() => new Date());
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** Send `event` to the tenant's channels in the background, if the tenant wants this event. */
  notify(event: AlertEvent): void {
    const p = this.deliver(event).catch((e: unknown) => this.opts.onRecordError?.(e));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves when every background delivery has ended (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Deliver and wait; [] when the tenant has no settings or does not want this event. */
  async deliver(event: AlertEvent): Promise<DeliveryResult[]> {
    const settings = this.opts.settingsFor(event.tenant);
    if (!settings) return [];
    if (event.type !== "test" && !settings.events.includes(event.type)) return [];
    return Promise.all(settings.channels.map((c) => this.deliverTo(event, c)));
  }

  /** Send a test alert to every channel of the tenant and report each outcome. */
  async sendTestAlert(tenant: string, by: string): Promise<DeliveryResult[]> {
    if (!this.opts.settingsFor(tenant)) throw new Error(`tenant '${tenant}' has no alert settings; add alert channels for it first`);
    return this.deliver({
      type: "test",
      tenant,
      at: this.now(),
      title: `Test alert for tenant '${tenant}'`,
      text: `${by} sent this test alert from Lifeboat. If you can read it, this channel works.`,
      facts: { "sent by": by },
    });
  }

  private async deliverTo(event: AlertEvent, channel: Channel): Promise<DeliveryResult> {
    const secrets = secretsOf(channel);
    const name = describeChannel(channel);
    let attempts = 0;
    let error: string | null = null;
    for (;;) {
      attempts++;
      try {
        await sendOnce(event, channel, { fetch: this.fetchImpl, timeoutMs: this.timeoutMs });
        error = null;
        break;
      } catch (e) {
        error = scrub(describeError(e), secrets);
        if (e instanceof PermanentDeliveryError || attempts >= this.attempts) break;
        await this.sleep(Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1)));
      }
    }
    const result: DeliveryResult = { channel: name, outcome: error === null ? "delivered" : "failed", attempts, error };
    try {
      await this.opts.history.recordAlertDelivery({ at: this.now(), tenant: event.tenant, event: event.type, channel: name, outcome: result.outcome, attempts, error, runId: event.runId ?? null });
    } catch (e) {
      this.opts.onRecordError?.(e);
    }
    return result;
  }
}

/** An error's message with its cause (fetch puts the network reason there). */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  const c = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : "";
  return c && !e.message.includes(c) ? `${e.message}: ${c}` : e.message;
}
