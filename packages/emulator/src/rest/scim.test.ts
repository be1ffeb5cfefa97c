import { describe, expect, it } from "vitest";
import { matchScim, parseScim } from "./scim.ts";

const users = [
  { subject: "auth0|1", email: "a@example.com", name: "Ann", status: "active" },
  { subject: "auth0|2", email: "b@example.com", name: "Bob", status: "disabled" },
];
const get = (item: unknown, attr: string): string[] | undefined => {
  const v = (item as Record<string, string>)[attr];
  return v === undefined ? undefined : [v];
};
const run = (f: string) => users.filter((u) => matchScim(parseScim(f), u, get)).map((u) => u.name);

describe("SCIM filter", () => {
  it("supports eq, ne, co, sw, and, or and parentheses", () => {
    expect(run('subject eq "auth0|2"')).toEqual(["Bob"]);
    expect(run('email co "example"')).toEqual(["Ann", "Bob"]);
    expect(run('name sw "a" and status eq "active"')).toEqual(["Ann"]);
    expect(run('(name eq "Ann" or name eq "Bob") and status ne "active"')).toEqual(["Bob"]);
    expect(run('name eq "with \\"quote\\""')).toEqual([]);
  });
  it("rejects malformed filters and unknown attributes with a 400", () => {
    for (const bad of ["subject", 'subject eq', 'subject xx "a"', '(subject eq "a"', 'subject eq "a" junk', 'subject eq unquoted']) {
      expect(() => run(bad), bad).toThrow(expect.objectContaining({ status: 400 }));
    }
    expect(() => run('nothing eq "a"')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
