/**
 * Query strings as a Qlik Cloud service reads them, applied to the raw request URL before
 * the router (Hono) sees it.
 *
 * - **Standard decoding**: `%XX` escapes are UTF-8 bytes (RFC 3986 §2.1, WHATWG URL
 *   "application/x-www-form-urlencoded parsing"). A `%` not followed by two hex digits, or
 *   escapes that are not valid UTF-8, make the request a 400 with Qlik's error body: Hono
 *   on its own would keep such text as it is, which would hide a client that forgets to
 *   encode (`Margin 100%`); Go's `net/url`, which Qlik's services are written in, rejects it
 *   (`ParseQuery`: "invalid URL escape").
 * - **`+`** (switch `queryPlus`, UNCONFIRMED): `"space"` (default) reads a `+` in a query
 *   as a space, as form decoding does (WHATWG, Go's `url.ParseQuery`, Hono); `"literal"`
 *   keeps it a plus. Qlik does not document which; its specs write sort orders with a raw
 *   plus (`?sort=+name`, spaces API), which works under both readings only if the service
 *   trims, so the sort parsers here accept a leading space as `+`. The default is the
 *   reading that silently changes what a careless client sends (a raw `+` in `C++ Sales`
 *   becomes a space); a client that percent-encodes (`%2B`, `%20`) is right under both,
 *   and the emulator's own `links.next.href` use `%20` so they read back under both.
 */
import { errorBody, QlikError } from "../internal/errors.ts";

export type QueryPlus = "space" | "literal";

/** The request target with its query normalised for the router, or the 400 to answer. */
export function normaliseRequestQuery(url: string, plus: QueryPlus): { url: string } | { error: QlikError } {
  const q = url.indexOf("?");
  if (q === -1) return { url };
  const query = url.slice(q + 1);
  for (const part of query.split("&")) {
    for (const piece of part.split("=")) {
      const bad = /%(?![0-9A-Fa-f]{2})/.exec(piece);
      if (bad)
        return { error: new QlikError(400, "HTTP-400", "Bad Request", `The query string has a '%' that is not followed by two hex digits (at "${piece.slice(bad.index, bad.index + 8)}"); percent-encode a literal '%' as %25.`) };
      try {
        decodeURIComponent(piece);
      } catch {
        return { error: new QlikError(400, "HTTP-400", "Bad Request", "The query string holds percent-escapes that are not valid UTF-8.") };
      }
    }
  }
  if (plus === "literal" && query.includes("+")) return { url: `${url.slice(0, q + 1)}${query.replace(/\+/g, "%2B")}` };
  return { url };
}

/** The JSON body of such a 400. */
export function queryErrorBody(err: QlikError): string {
  return JSON.stringify(errorBody(err));
}

/** A sort parameter: a leading space is the `+` of `?sort=+name` read as form data. */
export function sortParam(raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === "") return fallback;
  return raw.startsWith(" ") ? `+${raw.slice(1)}` : raw;
}

/** A URL whose query spaces are `%20` rather than `+` (URLSearchParams writes `+`; a literal plus is `%2B` there). */
export function withPercentSpaces(href: string): string {
  const q = href.indexOf("?");
  return q === -1 ? href : href.slice(0, q + 1) + href.slice(q + 1).replace(/\+/g, "%20");
}
