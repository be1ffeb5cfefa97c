/**
 * The one place a tenant's address is normalised. An address is what a user or a config
 * gives: `acme.eu.qlikcloud.com`, `https://acme.eu.qlikcloud.com/`, `http://127.0.0.1:8080`.
 * Four forms of it are in use, each written down somewhere, so each keeps exactly the value
 * earlier versions computed (host.test.ts has the table):
 *
 * - `tenantUrl`: the base URL calls go to (the connector): trimmed, no trailing slash,
 *   `https://` when no http(s) scheme is given; case, port and path kept as given.
 * - `tenantOrigin`: the scheme, host and port of an address, as URL origin (lower case,
 *   default port dropped); the CLI's config stores it.
 * - `snapshotTenantKey`: a snapshot's `tenant` field, which retention groups by: the URL host
 *   (`host[:port]`, lower case, default port dropped); an address that is no URL is kept as given.
 * - `tenantKey`: the key of a target tenant for restore journals, locks and restore keys:
 *   `snapshotTenantKey`, lower-cased. The two differ only for addresses that are no URL.
 */

/** `host[:port]` of an address (https assumed without `://`), or undefined when it is no URL. */
function urlHostOf(address: string): string | undefined {
  try {
    return new URL(address.includes("://") ? address : `https://${address}`).host;
  } catch {
    return undefined;
  }
}

/** The base URL for calls: `acme.com/` → `https://acme.com`; `HTTP://Acme:8080` stays as given. */
export function tenantUrl(address: string): string {
  const trimmed = address.trim().replace(/\/+$/, "");
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** `Acme.com:443` → `https://acme.com`; undefined when the address is no URL. Validate first: a path is dropped. */
export function tenantOrigin(address: string): string | undefined {
  try {
    return new URL(/^https?:\/\//i.test(address) ? address : `https://${address}`).origin;
  } catch {
    return undefined;
  }
}

/** A snapshot's tenant key: `https://Acme.com:8443/` → `acme.com:8443`. */
export function snapshotTenantKey(address: string): string {
  return urlHostOf(address) ?? address;
}

/** A target tenant's key for restore journals, locks and restore keys: `snapshotTenantKey`, lower case. */
export function tenantKey(address: string): string {
  return snapshotTenantKey(address).toLowerCase();
}
