import { describe, expect, it } from "vitest";
import { FilterError, matches, parseFilter, pinnedValue } from "./filter.ts";

const FIELDS = ["name", "app", "owner", "published", "tags", "stream"];
const ID = "53c75a81-c20f-404d-a169-f2b7cd5125ce";

describe("QRS filters", () => {
  it("match paths, arrays, null, booleans, and/or/not with and binding tighter", () => {
    const e = { name: "O'Brien's sheet", app: { id: ID }, owner: { userDirectory: "ACME" }, published: false, tags: [{ name: "A" }, { name: "B" }], stream: null };
    const yes = (f: string): boolean => matches(parseFilter(f, FIELDS), e);
    expect(yes(`app.id eq ${ID}`)).toBe(true);
    expect(yes("name eq 'O''Brien''s sheet'")).toBe(true);
    expect(yes("name so 'brien'")).toBe(true);
    expect(yes("tags.name eq 'B'")).toBe(true);
    expect(yes("stream eq null")).toBe(true);
    expect(yes("published eq false and owner.userDirectory eq 'acme'")).toBe(true);
    expect(yes("published eq true or name sw 'O' and tags.name eq 'Z'")).toBe(false);
    expect(yes("not (published eq true)")).toBe(true);
  });

  it("reject malformed expressions and unknown properties", () => {
    for (const f of ["name eq", "name eq 'x", "nope eq 'x'", "name like 'x'", "(name eq 'x'", "name eq x y"]) expect(() => parseFilter(f, FIELDS), f).toThrow(FilterError);
  });

  it("find a value pinned by a top-level eq conjunct, and none under or/not", () => {
    expect(pinnedValue(parseFilter(`app.id eq ${ID} and name eq 'x'`, FIELDS), ["app", "id"])).toBe(ID);
    expect(pinnedValue(parseFilter(`name eq 'x' and App.Id eq ${ID}`, FIELDS), ["app", "id"])).toBe(ID);
    expect(pinnedValue(parseFilter(`app.id eq ${ID} or name eq 'x'`, FIELDS), ["app", "id"])).toBeUndefined();
    expect(pinnedValue(parseFilter(`not (app.id eq ${ID})`, FIELDS), ["app", "id"])).toBeUndefined();
    expect(pinnedValue(parseFilter(`app.id ne ${ID}`, FIELDS), ["app", "id"])).toBeUndefined();
  });
});
