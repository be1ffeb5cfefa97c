import type { Snapshot } from "@lifeboat/repository";
import type { ItemStatus, Layer, Manifest } from "./manifest.ts";

/**
 * What a backup reports while it runs. The CLI renders these as progress bars,
 * text or NDJSON; the engine never writes to the console.
 */
export type BackupEvent =
  | { type: "layer-start"; layer: Layer; total?: number }
  | { type: "item"; layer: Layer; id: string; name?: string; status: ItemStatus; reason?: string; bytes?: number }
  | { type: "progress"; layer: Layer; done: number; total: number; bytes?: number }
  | {
      type: "warning";
      /** `waiting`: a call to the tenant is taking long (the connector's notice, passed on by the CLI). */
      code: "coverage-gap" | "layer-failed" | "previous-snapshot-unreadable" | "stamps-missed-change" | "waiting";
      message: string;
    }
  | { type: "done"; snapshot: Snapshot; manifest: Manifest };

export type BackupEventListener = (event: BackupEvent) => void;
