/**
 * @lifeboat/repository — content-addressed, deduplicated, compressed, encrypted snapshots on
 * local disk, S3 or memory. Format: docs/design.md.
 *
 * ```ts
 * import { initRepository, openRepository } from "@lifeboat/repository";
 * const repo = await openRepository({ url: "s3:https://s3.example.com/bucket/lifeboat", password });
 * for (const s of await repo.listSnapshots()) console.log(s.id, s.tenant, s.time);
 * await repo.close();
 * ```
 *
 * Only what other packages use is exported here; test helpers (`createTestRepository`,
 * `TEST_KDF`, …) are in `@lifeboat/repository/testing`, the S3 test server in
 * `@lifeboat/repository/testing-s3`.
 */
export type * from "./api.ts";
export type { Backend, FileData, FileHandle, FileType } from "./backend/backend.ts";
export { LocalBackend } from "./backend/local.ts";
export { S3Backend } from "./backend/s3.ts";
export { DamageError, LockedError, RepositoryError } from "./errors.ts";
export { pidNamespace } from "./locks.ts";
export { TREE_PARTS, initRepository, openRepository, Repository, type OpenOptions, type RepositoryEvent } from "./repository.ts";
export { verifyRepository, type VerifyOptions, type VerifyReport } from "./verify.ts";
export { parseDuration, isEmptyPolicy, type RetentionPlan, type RetentionPolicy } from "./retention.ts";
export { forget, prune, type PruneReport } from "./prune.ts";
export { repairIndex, type RepairIndexReport } from "./repair.ts";
