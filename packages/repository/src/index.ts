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
 */
export type * from "./api.ts";
export type { Backend, FileData, FileHandle, FileInfo, FileType, TemporaryFile } from "./backend/backend.ts";
export { MemoryBackend } from "./backend/memory.ts";
export { LocalBackend } from "./backend/local.ts";
export { S3Backend, type S3BackendOptions } from "./backend/s3.ts";
export { backendFromUrl, parseS3Url } from "./backend/url.ts";
export { RetryBackend, isTransient, type RetryOptions } from "./backend/retry.ts";
export { DamageError, LockedError, NotFoundError, ReadOnlyError, RepositoryError, isReadOnlyStorageError, type RepositoryErrorReason } from "./errors.ts";
export type { KdfParams } from "./internal/crypto.ts";
export { DEFAULT_KDF } from "./internal/crypto.ts";
export type { ChunkerParams } from "./internal/chunker.ts";
export type { LockInfo, LockOptions } from "./locks.ts";
export { pidNamespace } from "./locks.ts";
export {
  FORMAT_VERSION,
  TREE_PARTS,
  initRepository,
  openRepository,
  Repository,
  type OpenOptions,
  type RepositoryConfig,
  type RepositoryEvent,
  type TreeObject,
  type TreeParts,
} from "./repository.ts";
export { createTestRepository, reopenTestRepository, TEST_KDF, TEST_PASSWORD, TEST_CHUNKER } from "./testing.ts";
export { verifyRepository, type ProblemKind, type VerifyOptions, type VerifyProblem, type VerifyReport } from "./verify.ts";
export {
  planRetention,
  parseDuration,
  isEmptyPolicy,
  type RetentionDecision,
  type RetentionGroup,
  type RetentionPlan,
  type RetentionPolicy,
} from "./retention.ts";
export { forget, prune, type ForgetResult, type PruneOptions, type PruneReport } from "./prune.ts";
export { repairIndex, type RepairIndexReport } from "./repair.ts";
