import { RepositoryError } from "../errors.ts";
import type { Backend } from "./backend.ts";
import { LocalBackend } from "./local.ts";
import { RetryBackend } from "./retry.ts";
import { S3Backend } from "./s3.ts";

/** Parsed `s3:ENDPOINT/BUCKET/PREFIX`. ENDPOINT may carry a scheme (default https). */
export function parseS3Url(url: string): { endpoint: string; bucket: string; prefix: string } {
  let rest = url.slice("s3:".length);
  let scheme = "https://";
  const m = /^(https?):\/\//.exec(rest);
  if (m) {
    scheme = `${m[1]}://`;
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith("//")) {
    rest = rest.slice(2);
  }
  const [host, bucket, ...prefix] = rest.split("/");
  if (!host) throw new RepositoryError(`repository URL '${url}' has no endpoint — use s3:ENDPOINT/BUCKET/PREFIX, e.g. s3:https://s3.amazonaws.com/my-bucket/lifeboat`, "BAD_URL");
  if (!bucket) throw new RepositoryError(`repository URL '${url}' has no bucket — use s3:ENDPOINT/BUCKET/PREFIX, e.g. s3:${scheme}${host}/my-bucket/lifeboat`, "BAD_URL");
  return { endpoint: scheme + host, bucket, prefix: prefix.filter(Boolean).join("/") };
}

/**
 * A backend for a repository location: a local path, or `s3:ENDPOINT/BUCKET/PREFIX` (wrapped
 * in RetryBackend: networks fail transiently; the SDK's own retries cover only some cases).
 */
export function backendFromUrl(url: string): Backend {
  if (!url) throw new RepositoryError("no repository given — pass --repo or set LIFEBOAT_REPOSITORY", "NO_REPO");
  if (url.startsWith("s3:")) return new RetryBackend(new S3Backend(parseS3Url(url)));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new RepositoryError(`repository URL '${url}' has an unknown scheme — use a local path or s3:ENDPOINT/BUCKET/PREFIX`, "BAD_URL");
  }
  return new LocalBackend(url);
}
