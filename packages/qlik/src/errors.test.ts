import { describe, expect, it } from "vitest";
import { errorCodeOf, LifeboatError } from "@lifeboat/model";
import { classify, QlikApiError } from "./errors.ts";
import { CallTimeoutError } from "./internal/timeouts.ts";

const where = { operation: "exportApp", host: "https://acme.eu.qlikcloud.com", object: "app 'Sales' (id 6a1)" };

describe("classify", () => {
  it("maps statuses to kinds", () => {
    const cases: [number, string][] = [
      [401, "unauthorized"],
      [403, "forbidden"],
      [404, "not-found"],
      [410, "not-found"],
      [429, "rate-limited"],
      [500, "transient"],
      [502, "transient"],
      [503, "transient"],
      [504, "transient"],
      [0, "transient"],
      [400, "permanent"],
      [409, "permanent"],
    ];
    for (const [status, kind] of cases) expect(classify({ status, headers: new Headers(), data: {} }, where).kind).toBe(kind);
  });

  it("carries the shared error code (@lifeboat/model) of each kind, and the host as its place", () => {
    const cases: [number, string][] = [
      [401, "auth"],
      [403, "forbidden"],
      [404, "not-found"],
      [429, "rate-limited"],
      [503, "transient"],
      [0, "unreachable"],
      [400, "rejected"],
      [409, "conflict"],
    ];
    for (const [status, code] of cases) {
      const err = classify({ status, headers: new Headers(), data: {} }, where);
      expect(err, String(status)).toBeInstanceOf(LifeboatError);
      expect(errorCodeOf(err), String(status)).toBe(code);
      expect(err.place).toBe(where.host);
      expect(err.object).toBe(where.object);
      expect(err.message.endsWith(`— ${err.next}`)).toBe(true);
    }
    // No answer at all: refused, a name that does not resolve, a blocked port — all "unreachable", whatever the retry kind.
    const refused = classify(Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) }), where);
    const dns = classify({ status: 0, headers: new Headers(), data: {}, message: "fetch failed - getaddrinfo ENOTFOUND nowhere.invalid" }, where);
    const badPort = classify(Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") }), where);
    expect([refused.code, dns.code, badPort.code]).toEqual(["unreachable", "unreachable", "unreachable"]);
    // A deadline that passed keeps its own code through `with` (the retry policy adds the attempts).
    const late = classify(new CallTimeoutError("request", 300, "GET /api/v1/items"), where).with({ attempts: 3 });
    expect([late.kind, late.code, late.attempts]).toEqual(["transient", "timeout", 3]);
  });

  it("names the object, the place and the next step, with Qlik's error detail", () => {
    const err = classify(
      { status: 403, headers: new Headers(), data: { errors: [{ code: "APPS-403", title: "Forbidden", detail: "no access" }] } },
      where,
    );
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.qlikCode).toBe("APPS-403");
    expect(err.code).toBe("forbidden");
    expect(err.message).toContain("could not export app 'Sales' (id 6a1) on https://acme.eu.qlikcloud.com (403 APPS-403)");
    expect(err.message).toContain("admin.apps");
    expect(err.message).toContain("Forbidden: no access");
  });

  it("keeps the reason Node's fetch hides in its cause; a blocked port is permanent", () => {
    const refused = classify(Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9999"), { code: "ECONNREFUSED" }) }), where);
    expect(refused.kind).toBe("transient");
    expect(refused.detail).toBe("fetch failed - connect ECONNREFUSED 127.0.0.1:9999");
    const badPort = classify(Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") }), where);
    expect(badPort.kind).toBe("permanent");
    expect(badPort.detail).toMatch(/refuses to connect to this port.*check the port/);
    // @qlik/api's own form of the same error: status 0 with the reason in the message.
    const viaApi = classify({ status: 0, message: "fetch failed - bad port", headers: new Headers(), data: undefined }, where);
    expect(viaApi.kind).toBe("permanent");
    expect(viaApi.detail).toMatch(/blocked ports/);
  });

  it("reads Retry-After seconds on 429", () => {
    const err = classify({ status: 429, headers: new Headers({ "retry-after": "13" }), data: {} }, where);
    expect(err.retryAfterMs).toBe(13_000);
    expect(err.retryable).toBe(true);
  });

  it("classifies network errors and unknown hosts", () => {
    const reset = classify(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } }), where);
    expect(reset.kind).toBe("transient");
    const dns = classify({ status: 0, headers: new Headers(), data: {}, message: "fetch failed - getaddrinfo ENOTFOUND nowhere.invalid" }, where);
    expect(dns.kind).toBe("permanent");
    expect(dns.message).toContain("check the tenant URL");
  });

  it("classifies OAuth token failures as unauthorized", () => {
    const err = classify({ errors: [{ code: "OAUTH-1", status: 401, title: "invalid_client" }], message: "invalid_client" }, { operation: "getMyUser", host: "https://t" });
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("client id and secret");
    const busy = classify({ errors: [{ code: "HTTP-429", status: 429, title: "API rate limit reached." }] }, { operation: "oauthToken", host: "https://t" });
    expect(busy.kind).toBe("rate-limited");
    const down = classify({ errors: [{ code: "HTTP-503", status: "503", title: "Unavailable" }] }, { operation: "oauthToken", host: "https://t" });
    expect(down.kind).toBe("transient");
  });

  it("keeps an already classified error and adds the object", () => {
    const inner = classify({ status: 404, headers: new Headers(), data: {} }, { operation: "getAppInfo", host: "https://t" });
    const outer = classify(inner, { operation: "getAppInfo", host: "https://t", object: "app 'X' (id 1)" });
    expect(outer.kind).toBe("not-found");
    expect(outer.message).toContain("app 'X' (id 1)");
  });
});

describe("messages", () => {
  it("a theme that answers 410 Gone was deleted since it was listed: not called an expired export", () => {
    const gone = classify({ status: 410, data: { code: "HTTP-410", title: "Gone", status: 410 } }, { operation: "downloadTheme", host: "https://t", object: "theme 'Acme' (t1)" });
    expect(gone.kind).toBe("not-found");
    expect(gone.message).toMatch(/theme 'Acme' \(t1\) on https:\/\/t \(410.*it does not exist on the tenant/);
    expect(gone.message).not.toMatch(/export/);
  });

  it("an export's temp file that answers 410 expired: it is not called deleted or moved on the tenant", () => {
    const expired = classify({ status: 410, data: { errors: [{ code: "HTTP-410", title: "Gone" }] } }, { operation: "downloadTempFile", host: "https://t", object: "app 'Sales' (id 1)" });
    expect(expired.kind).toBe("not-found");
    expect(expired.message).toMatch(/^could not download the export of app 'Sales' \(id 1\) on https:\/\/t \(410 HTTP-410\): Gone — the export's temporary file expired on the tenant/);
    expect(expired.message).toMatch(/the next backup exports it afresh/);
    expect(expired.message).not.toMatch(/deleted or moved/);
    const gone = classify({ status: 404 }, { operation: "getAppInfo", host: "https://t", object: "app 'Sales' (id 1)" });
    expect(gone.message).toMatch(/deleted or moved since it was listed/);
  });

  it("no message promises a resume or a setting that does not exist", () => {
    for (const kind of ["transient", "rate-limited"] as const) {
      const m = new QlikApiError({ kind, operation: "getItems", host: "https://t" }).message;
      expect(m).not.toMatch(/resum|concurrency/);
    }
  });
});
