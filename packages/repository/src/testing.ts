/**
 * Test helpers for other packages: a real repository in memory with cheap key derivation.
 *
 * ```ts
 * import { createTestRepository } from "@lifeboat/repository/testing" // or from "@lifeboat/repository"
 * const repo = await createTestRepository();
 * ```
 */
import { MemoryBackend } from "./backend/memory.ts";
import type { ChunkerParams } from "./internal/chunker.ts";
import type { KdfParams } from "./internal/crypto.ts";
import { initRepository, openRepository, type OpenOptions, type Repository } from "./repository.ts";

/** scrypt cost for tests: ~1 ms instead of ~100 ms. Never use it for real repositories. */
export const TEST_KDF: KdfParams = { N: 1024, r: 8, p: 1 };
/** Small chunks and packs so tests exercise chunking and several packs with little data. */
export const TEST_CHUNKER: ChunkerParams = { min: 16 * 1024, avg: 32 * 1024, max: 128 * 1024 };
export const TEST_PASSWORD = "test-password";

export interface TestRepositoryOptions extends Partial<OpenOptions> {
  /** Use small chunks (16–128 KiB) and 256 KiB packs. Default false: production sizes. */
  smallChunks?: boolean;
}

/** A new repository on a fresh MemoryBackend (or `opts.backend`), password "test-password". */
export async function createTestRepository(opts: TestRepositoryOptions = {}): Promise<Repository> {
  const { smallChunks, ...rest } = opts;
  return initRepository({
    backend: new MemoryBackend(),
    password: TEST_PASSWORD,
    kdf: TEST_KDF,
    ...(smallChunks ? { chunker: TEST_CHUNKER, packSize: 256 * 1024 } : {}),
    ...rest,
  });
}

/** Opens a second handle on the same backend (e.g. to simulate a second process). */
export async function reopenTestRepository(repo: Repository, opts: Partial<OpenOptions> = {}): Promise<Repository> {
  return openRepository({ backend: repo.backend, password: TEST_PASSWORD, kdf: TEST_KDF, ...opts });
}
