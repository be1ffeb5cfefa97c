/**
 * What every route of every tenant shares: the clock, the latency model, the rate limiter,
 * fault injection, the UNCONFIRMED-behaviour switches and the persistence hook.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "./clock.ts";
import type { FaultInjector } from "./faults.ts";
import type { LatencyModel } from "./latency.ts";
import type { RateLimiter } from "./ratelimit.ts";
import type { Tenant } from "../model.ts";

/**
 * Switches for behaviours API-FACTS.md marks UNCONFIRMED. Defaults are the cautious reading
 * (what makes a client robust), documented in the README.
 */
export interface Quirks {
  /** Import straight into a managed space: refused with 403 (default) or allowed. */
  importIntoManagedSpace: "refuse" | "allow";
  /** Import keeps object owners from the file (true) or resets them to the importer (default). */
  importKeepsObjectOwners: boolean;
  /**
   * Export by a private-content bot carries every user's private and community objects
   * (default true); anyone else's export carries base and community objects and the
   * exporter's own private objects only.
   */
  botExportIncludesAllPrivate: boolean;
  /** A non-bot export carries other users' community (published) objects (default true). */
  exportIncludesCommunity: boolean;
  /** Whether `GET /apps/{id}` reports `attributes.spaceId` (default false). */
  appInfoIncludesSpaceId: boolean;
  /** Whether editing a private object bumps the app's `modifiedDate` (default false). */
  privateEditBumpsAppModified: boolean;
  /** Whether objects' `qMeta` carries `createdDate` / `modifiedDate` (default true). */
  objectMetaDates: boolean;
  /** A 429 blocks the whole tier for Retry-After (default true). */
  rateLimitBlocksWholeTier: boolean;
  /** Tenant-wide ceiling = user limit × users × 0.5 (default true). */
  rateLimitTenantCeiling: boolean;
  /** How a `+` in a query string reads: as a space (default, form decoding) or as a plus (rest/query.ts). */
  queryPlus: "space" | "literal";
}

export const defaultQuirks: Quirks = {
  importIntoManagedSpace: "refuse",
  importKeepsObjectOwners: false,
  botExportIncludesAllPrivate: true,
  exportIncludesCommunity: true,
  appInfoIncludesSpaceId: false,
  privateEditBumpsAppModified: false,
  objectMetaDates: true,
  rateLimitBlocksWholeTier: true,
  rateLimitTenantCeiling: true,
  queryPlus: "space",
};

export interface Runtime {
  clock: Clock;
  latency: LatencyModel;
  limiter: RateLimiter | undefined;
  faults: FaultInjector;
  quirks: Quirks;
  /** Real seconds an export's temp file lives (not time-scaled). */
  exportTtlSeconds: number;
  /** Schedules a save of `--state` after a change. */
  changed(tenant: Tenant): void;
}

export const newHexId = (): string => randomBytes(12).toString("hex");
export const newGuid = (): string => randomUUID();
export const nowIso = (): string => new Date().toISOString();
