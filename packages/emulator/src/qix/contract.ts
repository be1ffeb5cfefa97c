/**
 * The seam between the emulator's HTTP server (which owns sockets, auth, latency and
 * faults) and its QIX engine (which owns JSON-RPC sessions over tenant state).
 * The server calls `handleUpgrade` for every websocket upgrade on `/app/<appId>...`.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { App, Identity, Tenant } from "../model.ts";

export interface QixContext {
  /** Resolves the upgrade request's `Authorization: Bearer` token (and Host) to a caller; undefined ⇒ 401. */
  authenticate(req: IncomingMessage): Identity | undefined;
  /** Whether the caller may open the app at all (space membership, personal space, bot). */
  canOpenApp(who: Identity, app: App): boolean;
  /** Waits as the latency model says for one QIX call ("call") or for opening an app ("open"). */
  delay(kind: "call" | "open"): Promise<void>;
  /** Current time (the emulator may scale time). */
  now(): Date;
  /**
   * Whether objects' `qMeta` carries `createdDate` / `modifiedDate` (default true). The key
   * names are UNCONFIRMED in Qlik's docs (API-FACTS §6, §8): quirk `objectMetaDates`.
   */
  objectMetaDates?: boolean;
  /** `DoSave` in a session opened without data drops the app's data model (quirk `noDataSaveDropsData`, default true). */
  noDataSaveDropsData?: boolean;
  /** Whether an edit of a child object moves its top-level object's `modifiedDate` (quirk `childEditMovesParentDate`, default false). */
  childEditMovesParentDate?: boolean;
  /** Called after a DoSave changed persisted state (the server may persist `--state`). */
  onPersist?(tenant: Tenant): void;
}

export interface QixServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every session. */
  close(): Promise<void>;
  /** Resolves once no session is open: the server has seen every socket close (tests wait on it instead of sleeping). */
  idle(): Promise<void>;
}
