import { describe, expect, it } from "vitest";
import { snapshotTenantKey, tenantKey, tenantOrigin, tenantUrl } from "./host.ts";

// What the four normalisers this module replaced returned (engine `tenantKeyForHost`, engine
// `tenantKeyOf`, connector `normalizeHost`, the CLI config's origin), recorded by running them
// before the switch. Snapshot tenant keys and restore journal keys written by those versions
// must be found again by the same input, so these values may never change.
// [address, snapshotTenantKey, tenantKey, tenantUrl, tenantOrigin (of an address the CLI accepts)]
const TODAY: [string, string, string, string, string | null][] = [
  ["acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com"],
  ["https://acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com"],
  ["https://acme.eu.qlikcloud.com/", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com"],
  ["https://acme.eu.qlikcloud.com//", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com", null],
  ["HTTPS://ACME.EU.QlikCloud.com", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "HTTPS://ACME.EU.QlikCloud.com", "https://acme.eu.qlikcloud.com"],
  ["Acme.EU.qlikcloud.com", "acme.eu.qlikcloud.com", "acme.eu.qlikcloud.com", "https://Acme.EU.qlikcloud.com", "https://acme.eu.qlikcloud.com"],
  ["http://127.0.0.1:8080", "127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080"],
  ["http://127.0.0.1:8080/", "127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080"],
  ["https://acme.com:443", "acme.com", "acme.com", "https://acme.com:443", "https://acme.com"],
  ["http://acme.com:80", "acme.com", "acme.com", "http://acme.com:80", "http://acme.com"],
  ["http://acme.com:443", "acme.com:443", "acme.com:443", "http://acme.com:443", "http://acme.com:443"],
  ["https://acme.com:8443/", "acme.com:8443", "acme.com:8443", "https://acme.com:8443", "https://acme.com:8443"],
  ["acme.com:8443", "acme.com:8443", "acme.com:8443", "https://acme.com:8443", "https://acme.com:8443"],
  ["https://acme.com/path/", "acme.com", "acme.com", "https://acme.com/path", null],
  ["https://acme.com/Hdr", "acme.com", "acme.com", "https://acme.com/Hdr", null],
  ["  https://acme.com/  ", "acme.com", "acme.com", "https://acme.com", null],
  ["https://user:pw@acme.com", "acme.com", "acme.com", "https://user:pw@acme.com", null],
  ["https://acme.com?x=1", "acme.com", "acme.com", "https://acme.com?x=1", null],
  ["acme.com.", "acme.com.", "acme.com.", "https://acme.com.", "https://acme.com."],
  ["localhost", "localhost", "localhost", "https://localhost", "https://localhost"],
  ["foo://ACME.com", "ACME.com", "acme.com", "https://foo://ACME.com", null],
  ["ftp://Acme.com", "acme.com", "acme.com", "https://ftp://Acme.com", null],
  ["https://ACME COM", "https://ACME COM", "https://acme com", "https://ACME COM", null],
  ["not a host", "not a host", "not a host", "https://not a host", null],
  ["", "", "", "https://", null],
  ["http://[::1]:9000", "[::1]:9000", "[::1]:9000", "http://[::1]:9000", "http://[::1]:9000"],
  ["https://bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example", "https://bücher.example", "https://xn--bcher-kva.example"],
  ["acme.com/x://y", "acme.com/x://y", "acme.com/x://y", "https://acme.com/x://y", null],
];

describe("tenant address forms keep the values earlier versions wrote", () => {
  it.each(TODAY)("%j", (address, snapshot, key, url, origin) => {
    expect(snapshotTenantKey(address)).toBe(snapshot);
    expect(tenantKey(address)).toBe(key);
    expect(tenantUrl(address)).toBe(url);
    // The CLI refuses the addresses marked null before asking for an origin (a path, a query,
    // credentials, another scheme): the origin is only defined for the ones it accepts.
    if (origin !== null) expect(tenantOrigin(address)).toBe(origin);
  });

  // As before: the key of an http address on port 443 keeps the port, and that key read as an
  // address means https, whose default port is dropped (keep passing addresses, not keys).
  it("an http address on port 443 keys with its port", () => {
    expect(tenantKey("http://acme.com:443")).toBe("acme.com:443");
    expect(tenantKey("acme.com:443")).toBe("acme.com");
  });

  it("an address that is no URL has no origin", () => {
    expect(tenantOrigin("https://ACME COM")).toBeUndefined();
    expect(tenantOrigin("")).toBeUndefined();
  });
});
