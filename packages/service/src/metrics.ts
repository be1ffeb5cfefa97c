/**
 * Prometheus metrics at `/metrics` (prom-client, on the service's own registry — no global
 * state, so two services in one process, as in tests, do not share counters).
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `lifeboat_last_successful_backup_timestamp_seconds` | gauge | tenant |
 * | `lifeboat_run_duration_seconds` | histogram | tenant, kind, status |
 * | `lifeboat_runs_total` | counter | tenant, kind, status |
 * | `lifeboat_run_failures_total` | counter | tenant, kind |
 * | `lifeboat_backup_items` | gauge (last backup) | tenant, layer, status |
 * | `lifeboat_backup_bytes` | gauge (last backup: bytes exported) | tenant |
 * | `lifeboat_rate_limited_answers_total` | counter (429s from Qlik, each retried) | tenant |
 * | `lifeboat_repository_size_bytes` | gauge (after each run) | tenant |
 * | `lifeboat_http_rate_limited_total` | counter (logins refused by the service's own limit) | — |
 * | `lifeboat_runs_in_progress` | gauge | tenant |
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly lastSuccess: Gauge;
  readonly duration: Histogram;
  readonly runs: Counter;
  readonly failures: Counter;
  readonly items: Gauge;
  readonly bytes: Gauge;
  readonly rateLimited: Counter;
  readonly repositorySize: Gauge;
  readonly loginsRateLimited: Counter;
  readonly inProgress: Gauge;

  constructor() {
    const registers = [this.registry];
    this.lastSuccess = new Gauge({ name: "lifeboat_last_successful_backup_timestamp_seconds", help: "End time of the tenant's last backup that succeeded (not partial), in Unix seconds", labelNames: ["tenant"], registers });
    this.duration = new Histogram({
      name: "lifeboat_run_duration_seconds",
      help: "How long runs took",
      labelNames: ["tenant", "kind", "status"],
      buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800],
      registers,
    });
    this.runs = new Counter({ name: "lifeboat_runs_total", help: "Runs ended, by status", labelNames: ["tenant", "kind", "status"], registers });
    this.failures = new Counter({ name: "lifeboat_run_failures_total", help: "Runs that failed or were partial", labelNames: ["tenant", "kind"], registers });
    this.items = new Gauge({ name: "lifeboat_backup_items", help: "Items of the tenant's last backup per layer and status (captured, unchanged, failed, skipped)", labelNames: ["tenant", "layer", "status"], registers });
    this.bytes = new Gauge({ name: "lifeboat_backup_bytes", help: "Bytes of app exports in the tenant's last backup", labelNames: ["tenant"], registers });
    this.rateLimited = new Counter({ name: "lifeboat_rate_limited_answers_total", help: "Answers of Qlik Cloud that said 429 (rate limited) during runs", labelNames: ["tenant"], registers });
    this.repositorySize = new Gauge({ name: "lifeboat_repository_size_bytes", help: "Stored size of the tenant's repository, measured after each run", labelNames: ["tenant"], registers });
    this.loginsRateLimited = new Counter({ name: "lifeboat_http_rate_limited_total", help: "Login attempts the service refused with 429 (too many failures)", registers });
    this.inProgress = new Gauge({ name: "lifeboat_runs_in_progress", help: "Runs going now", labelNames: ["tenant"], registers });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
