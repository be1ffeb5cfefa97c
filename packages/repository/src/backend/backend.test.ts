import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendConformance } from "./conformance.ts";
import { LocalBackend } from "./local.ts";
import { MemoryBackend } from "./memory.ts";
import { S3Backend } from "./s3.ts";
import { backendFromUrl, parseS3Url } from "./url.ts";
import { RetryBackend } from "./retry.ts";
import { ManualClock } from "@lifeboat/kit/testing";
import { NotFoundError } from "../errors.ts";
import type { FileHandle } from "./backend.ts";
import { startS3Server, type S3TestServer } from "../testing-s3.ts";

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

backendConformance("memory", async () => new MemoryBackend());
backendConformance("retry(memory)", async () => new RetryBackend(new MemoryBackend(), { baseDelayMs: 1 }));

backendConformance("local", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lifeboat-local-"));
  tmpDirs.push(dir);
  return new LocalBackend(join(dir, "repo"));
});

let s3: S3TestServer | undefined;
let n = 0;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});
backendConformance("s3 (s3rver on loopback)", async () => {
  if (!s3) throw new Error("s3 server not started");
  return new S3Backend({ endpoint: s3.endpoint, bucket: s3.bucket, prefix: `conformance/${++n}`, credentials: s3.credentials });
});

describe("local backend specifics", () => {
  it("never lists temporary files left by a crashed save", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-local-"));
    tmpDirs.push(dir);
    const b = new LocalBackend(dir);
    await b.save({ type: "index", name: "ab" }, Buffer.from("x"));
    await writeFile(join(dir, "index", "cd.tmp-123456"), "partial");
    expect(await b.list("index")).toEqual([{ name: "ab", size: 1 }]);
  });
});

describe("repository URLs", () => {
  it("parses s3:ENDPOINT/BUCKET/PREFIX", () => {
    expect(parseS3Url("s3:http://127.0.0.1:9000/bkt/a/b")).toEqual({ endpoint: "http://127.0.0.1:9000", bucket: "bkt", prefix: "a/b" });
    expect(parseS3Url("s3:s3.amazonaws.com/bkt")).toEqual({ endpoint: "https://s3.amazonaws.com", bucket: "bkt", prefix: "" });
  });
  it("refuses an S3 URL without a bucket, naming the expected form", () => {
    expect(() => backendFromUrl("s3:http://127.0.0.1:9000")).toThrow(/has no bucket — use s3:ENDPOINT\/BUCKET\/PREFIX/);
    expect(() => backendFromUrl("s3:http://127.0.0.1:9000/")).toThrow(/has no bucket/);
    expect(() => backendFromUrl("")).toThrow(/--repo or set LIFEBOAT_REPOSITORY/);
    expect(() => backendFromUrl("ftp://x/y")).toThrow(/unknown scheme/);
  });
  it("reports a missing bucket clearly", async () => {
    if (!s3) throw new Error("s3 server not started");
    const b = new S3Backend({ endpoint: s3.endpoint, bucket: "no-such-bucket", prefix: "x", credentials: s3.credentials });
    await expect(b.isEmpty()).rejects.toThrow(/bucket 'no-such-bucket' does not exist/);
    await b.close();
  });
});

void CreateBucketCommand;
void S3Client;

describe("retry wrapper", () => {
  class Flaky extends MemoryBackend {
    failures = 0;
    calls = 0;
    override async load(h: FileHandle, range?: { offset: number; length: number }) {
      this.calls++;
      if (this.failures-- > 0) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return super.load(h, range);
    }
  }

  it("retries transient failures and reports each retry", async () => {
    const inner = new Flaky();
    await inner.save({ type: "index", name: "aa" }, Buffer.from("x"));
    inner.failures = 2;
    const retries: number[] = [];
    const b = new RetryBackend(inner, { baseDelayMs: 1, onRetry: (e) => retries.push(e.attempt) });
    expect(Buffer.from(await b.load({ type: "index", name: "aa" })).toString()).toBe("x");
    expect(retries).toEqual([1, 2]);
  });

  it("waits the kit's backoff between attempts on the injected clock: 4 attempts by default", async () => {
    const inner = new Flaky();
    await inner.save({ type: "index", name: "aa" }, Buffer.from("x"));
    inner.failures = 10;
    const clock = new ManualClock();
    const at: number[] = [];
    const b = new RetryBackend(inner, { clock, random: () => 0, onRetry: () => at.push(clock.now()) });
    const settled = b.load({ type: "index", name: "aa" }).catch((e: unknown) => e);
    await clock.runAll();
    expect(((await settled) as Error).message).toMatch(/socket hang up/);
    expect(inner.calls).toBe(4);
    // Failures after 0, 100, 300 ms (waits of 100, 200, 400 with the jitter at its low end); no wait after the last.
    expect(at).toEqual([0, 100, 300]);
    expect(clock.now()).toBe(700);
  });

  it("gives up after the last attempt, and never retries 'not found'", async () => {
    const inner = new Flaky();
    await inner.save({ type: "index", name: "aa" }, Buffer.from("x"));
    inner.failures = 10;
    await expect(new RetryBackend(inner, { baseDelayMs: 1, attempts: 3 }).load({ type: "index", name: "aa" })).rejects.toThrow(/socket hang up/);
    expect(inner.calls).toBe(3);
    inner.calls = 0;
    inner.failures = 0;
    await expect(new RetryBackend(inner, { baseDelayMs: 1 }).load({ type: "index", name: "bb" })).rejects.toBeInstanceOf(NotFoundError);
    expect(inner.calls).toBe(1);
  });
});
