/**
 * A real S3-compatible server (s3rver, pure JavaScript) on loopback, port 0, in a temp
 * directory — for tests of the S3 backend and e2e suites. Dev-only: s3rver is a dev dependency.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The repository URL of a prefix in the bucket, e.g. `s3:http://127.0.0.1:PORT/lifeboat-test/x`. */
  url(prefix: string): string;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = "lifeboat-test"): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "lifeboat-s3rver-"));
  // @ts-expect-error s3rver ships no types
  const { default: S3rver } = await import("s3rver");
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const addr = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${addr.port}`;
  return {
    endpoint,
    bucket,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    url: (prefix) => `s3:${endpoint}/${bucket}/${prefix}`,
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
