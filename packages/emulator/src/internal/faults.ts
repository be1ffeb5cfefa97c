/**
 * Fault injection from a SPEC such as `rate=0.05,kinds=429+500+503+reset+truncate+expire,seed=7`.
 * Each eligible request draws from a seeded generator: with probability `rate` it gets a
 * fault, chosen uniformly among the kinds that apply to it. `truncate` and `expire` apply to
 * temp-content downloads only; `429`, `500`, `503` and `reset` to every REST request.
 * `/oauth/token`, the product-info probe, the admin surface and websockets are never faulted,
 * so a client can always authenticate and tests can always reconfigure.
 */
import { createRng, type Rng } from "./rng.ts";

export type FaultKind = "429" | "500" | "503" | "reset" | "truncate" | "expire";
const ALL_KINDS: FaultKind[] = ["429", "500", "503", "reset", "truncate", "expire"];
const DOWNLOAD_ONLY: ReadonlySet<FaultKind> = new Set(["truncate", "expire"]);

export interface FaultSpec {
  rate: number;
  kinds: FaultKind[];
  seed: string;
}

export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { rate: 0, kinds: [...ALL_KINDS], seed: "0" };
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split("=", 2).map((s) => s.trim());
    if (!key || value === undefined) throw new Error(`fault spec: "${part}" is not key=value (expected e.g. rate=0.05,kinds=429+500,seed=7)`);
    if (key === "rate") {
      const rate = Number(value);
      if (!(rate >= 0 && rate <= 1)) throw new Error(`fault spec: rate must be between 0 and 1, got "${value}"`);
      out.rate = rate;
    } else if (key === "kinds") {
      const kinds = value.split(/[+|]/).map((k) => k.trim()).filter(Boolean);
      for (const k of kinds) if (!ALL_KINDS.includes(k as FaultKind)) throw new Error(`fault spec: unknown kind "${k}" (known: ${ALL_KINDS.join(", ")})`);
      out.kinds = kinds as FaultKind[];
    } else if (key === "seed") {
      out.seed = value;
    } else {
      throw new Error(`fault spec: unknown key "${key}" (known: rate, kinds, seed)`);
    }
  }
  return out;
}

export class FaultInjector {
  private rng: Rng;
  private spec: FaultSpec;
  /** Counts of injected faults by kind, and of eligible requests. */
  readonly stats = { eligible: 0, injected: {} as Record<string, number> };

  constructor(spec: FaultSpec | undefined) {
    this.spec = spec ?? { rate: 0, kinds: [], seed: "0" };
    this.rng = createRng(`faults:${this.spec.seed}`);
  }

  configure(spec: FaultSpec | undefined): void {
    this.spec = spec ?? { rate: 0, kinds: [], seed: "0" };
    this.rng = createRng(`faults:${this.spec.seed}`);
    this.stats.eligible = 0;
    this.stats.injected = {};
  }

  current(): FaultSpec {
    return this.spec;
  }

  /** Decides the fault (if any) for one request. */
  draw(isDownload: boolean): FaultKind | undefined {
    if (this.spec.rate <= 0) return undefined;
    const kinds = this.spec.kinds.filter((k) => isDownload || !DOWNLOAD_ONLY.has(k));
    if (kinds.length === 0) return undefined;
    this.stats.eligible++;
    if (this.rng.next() >= this.spec.rate) return undefined;
    const kind = this.rng.pick(kinds);
    this.stats.injected[kind] = (this.stats.injected[kind] ?? 0) + 1;
    return kind;
  }
}
