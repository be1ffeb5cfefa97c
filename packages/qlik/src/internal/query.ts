/**
 * Query strings that survive `@qlik/api`.
 *
 * `@qlik/api` 2.19 builds every query string in `encodeQueryParams`
 * (`node_modules/@qlik/api/chunks/invoke-fetch-functions-*.js`, region
 * `src/invoke-fetch/internal/invoke-fetch-helpers.ts`, called from `getInvokeFetchUrlParams`):
 *
 *     return kv.map((val) => encodeURIComponent(decodeURIComponent(val))).join("=");
 *
 * It *decodes* each key and value before encoding it. A value with a `%` that is not an
 * escape (`Margin 100%`) throws `URIError: URI malformed` before anything is sent, and a
 * value that looks like an escape (`Q1%20Report`) is sent as `Q1 Report` — an app restored
 * under another name, which a later restore does not find, so it imports another copy.
 *
 * We wrap rather than replace it: an interceptor hands `@qlik/api` every query value
 * already passed through `encodeURIComponent`. Its decode step
 * then gives back exactly our value (`decodeURIComponent(encodeURIComponent(v)) === v` for
 * every well-formed string), and what reaches the wire is `encodeURIComponent(v)`: `%`, `+`,
 * `&`, `#`, `=`, quotes, spaces and non-ASCII all percent-encoded, so the server's standard
 * decoding gives back `v` byte for byte. Pagination (`next()`) follows the server's own
 * `links.next.href` verbatim and is not touched.
 */
import type { RestInterceptor } from "@qlik/api/interceptors";

/** A string JavaScript can hold but UTF-8 cannot (an unpaired surrogate) cannot be sent. */
export class UnsendableTextError extends Error {
  constructor(readonly parameter: string) {
    super(`the query parameter '${parameter}' is not valid Unicode text (it holds an unpaired UTF-16 surrogate) and cannot be sent to Qlik; rename it`);
    this.name = "UnsendableTextError";
  }
}

function encode(text: string, parameter: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new UnsendableTextError(parameter); // encodeURIComponent's URIError: an unpaired surrogate
  }
}

/** `query` with every defined value pre-encoded so `@qlik/api`'s decode step is neutral. */
export function preEncodeQuery(query: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) {
      out[key] = undefined;
      continue;
    }
    out[encode(key, key)] = encode(String(value), key);
  }
  return out;
}

/**
 * Where the interceptor lives: `createQlikApi()` returns an instance with its own
 * `interceptors`, but 2.19 drops them — `createClassicApiFn` (index.js) passes
 * `interceptors?.getInterceptors()` as a third argument to the public `invokeFetch(api, props)`
 * (chunks/invoke-fetch-B6hSp2sU.js), which takes two, so the runtime falls back to the
 * global stack (`getInterceptors()`). So the interceptor is added to the global stack once,
 * and acts only on requests made with a host config the connector created (`ownHostConfig`):
 * other `@qlik/api` users in the same process are left as they are.
 */
const ours = new WeakSet<object>();

/** Marks a host config as the connector's: its requests get the connector's interceptors. */
export function ownHostConfig<T extends object>(hostConfig: T): T {
  ours.add(hostConfig);
  return hostConfig;
}

export function isOwnRequest(request: unknown): boolean {
  const hc = (request as { options?: { hostConfig?: unknown } } | undefined)?.options?.hostConfig;
  return typeof hc === "object" && hc !== null && ours.has(hc);
}

/** Pre-encodes the query of the connector's own requests. */
export const preEncodeQueryInterceptor: RestInterceptor = (request, proceed) => {
  const query = (request as { query?: Record<string, unknown> }).query;
  if (!isOwnRequest(request) || !query || typeof query !== "object") return proceed(request);
  return proceed({ ...request, query: preEncodeQuery(query) } as typeof request);
};
