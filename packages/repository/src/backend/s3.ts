import type { S3Client } from "@aws-sdk/client-s3";
import { NotFoundError, RepositoryError } from "../errors.ts";
import { dirOf, joinParts, relativePath, type Backend, type FileData, type FileHandle, type FileInfo, type FileType } from "./backend.ts";

export interface S3BackendOptions {
  /** e.g. "https://s3.eu-west-1.amazonaws.com" or "http://127.0.0.1:9000". */
  endpoint: string;
  bucket: string;
  /** Key prefix without leading/trailing slash; "" for the bucket root. */
  prefix: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Use an existing client (tests). */
  client?: S3Client;
}

type Sdk = typeof import("@aws-sdk/client-s3");
let sdkLoading: Promise<Sdk> | undefined;
/**
 * The AWS SDK is loaded on first use, not when this module is: it costs ~12 MB of resident
 * memory, and most repositories are local paths (bench/RESULTS.md, P5).
 */
const loadSdk = (): Promise<Sdk> => (sdkLoading ??= import("@aws-sdk/client-s3"));

/**
 * A repository under a prefix of an S3 bucket, on any S3-compatible endpoint (path-style
 * addressing). PutObject is atomic, which gives the backend contract's atomic save.
 * Credentials come from the options or the AWS SDK's default chain (AWS_ACCESS_KEY_ID, …).
 */
export class S3Backend implements Backend {
  readonly location: string;
  private client: S3Client | undefined;
  private connecting: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  private readonly opts: S3BackendOptions;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly ownsClient: boolean;

  constructor(opts: S3BackendOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix.replace(/^\/+|\/+$/g, "");
    this.location = `s3:${opts.endpoint.replace(/\/+$/, "")}/${opts.bucket}${this.prefix ? "/" + this.prefix : ""}`;
    this.ownsClient = !opts.client;
    this.opts = opts;
    this.client = opts.client;
  }

  /** The SDK and the client, created on first use. */
  private sdk(): Promise<{ sdk: Sdk; client: S3Client }> {
    return (this.connecting ??= loadSdk().then((sdk) => {
      const opts = this.opts;
      this.client ??= new sdk.S3Client({
        endpoint: opts.endpoint,
        forcePathStyle: true,
        region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
      });
      return { sdk, client: this.client };
    }));
  }

  private key(h: FileHandle): string {
    return this.prefix ? `${this.prefix}/${relativePath(h)}` : relativePath(h);
  }

  async save(h: FileHandle, data: FileData): Promise<void> {
    // One PutObject with a known length: the parts are joined (a pack is held twice meanwhile).
    const body = joinParts(data);
    await this.call(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.key(h), Body: body, ContentLength: body.length })));
  }

  async load(h: FileHandle, range?: { offset: number; length: number }): Promise<Uint8Array> {
    if (range && range.length === 0) {
      const { size } = await this.stat(h);
      if (range.offset > size) throw new RangeError(`range ${range.offset}+0 is outside ${relativePath(h)} (${size} bytes)`);
      return new Uint8Array(0);
    }
    const res = await this.call(
      ({ sdk, client }) =>
        client.send(
          new sdk.GetObjectCommand({
            Bucket: this.bucket,
            Key: this.key(h),
            ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
          }),
        ),
      h,
    );
    const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
    if (range && body.length !== range.length) {
      throw new RangeError(`range ${range.offset}+${range.length} is outside ${relativePath(h)} (got ${body.length} bytes)`);
    }
    return body;
  }

  async stat(h: FileHandle): Promise<FileInfo> {
    const res = await this.call(({ sdk, client }) => client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(h) })), h);
    return { name: h.name, size: res.ContentLength ?? 0 };
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === "config") {
      // One object: ask for it instead of listing the whole prefix.
      return this.stat({ type, name: "" }).then(
        (f) => [f],
        (err) => (err instanceof NotFoundError ? [] : Promise.reject(err)),
      );
    }
    const base = dirOf(type) + "/";
    const prefix = (this.prefix ? this.prefix + "/" : "") + base;
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.call(({ sdk, client }) =>
        client.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const obj of res.Contents ?? []) {
        if (!obj.Key) continue;
        const rest = obj.Key.slice(prefix.length);
        if (type === "data") {
          const m = /^[0-9a-f]{2}\/([^/]+)$/.exec(rest);
          if (m?.[1]) out.push({ name: m[1], size: obj.Size ?? 0 });
        } else if (rest && !rest.includes("/")) {
          out.push({ name: rest, size: obj.Size ?? 0 });
        }
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async remove(h: FileHandle): Promise<void> {
    await this.call(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(h) })));
  }

  async isEmpty(): Promise<boolean> {
    // No MaxKeys: s3rver fails with an internal error on MaxKeys=1 over nested keys; one page is cheap.
    const res = await this.call(({ sdk, client }) =>
      client.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix ? this.prefix + "/" : "" })),
    );
    return (res.Contents ?? []).length === 0;
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    await this.connecting?.catch(() => {});
    this.client?.destroy();
  }

  private async call<T>(fn: (s: { sdk: Sdk; client: S3Client }) => Promise<T>, h?: FileHandle): Promise<T> {
    const s = await this.sdk();
    try {
      return await fn(s);
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NoSuchBucket") {
        throw new RepositoryError(
          `bucket '${this.bucket}' does not exist at ${this.location} — create it first, or check the repository URL (s3:ENDPOINT/BUCKET/PREFIX)`,
          "NO_BUCKET",
        );
      }
      if (h && (e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404)) {
        throw new NotFoundError(relativePath(h), this.location);
      }
      throw err;
    }
  }
}

S3Backend satisfies new (opts: S3BackendOptions) => Backend;
