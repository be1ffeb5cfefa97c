/**
 * A small SCIM filter evaluator for `GET /users?filter=` and `POST /users/actions/filter`:
 * `attr op "value"` with ops eq, ne, co, sw, combined with `and`, `or`, `not`-free
 * parentheses. Unknown attributes or syntax are a 400, as in Qlik.
 */
import { badRequest } from "../internal/errors.ts";

export type Getter = (item: unknown, attr: string) => string[] | undefined;
type Node = { kind: "cmp"; attr: string; op: string; value: string } | { kind: "and" | "or"; left: Node; right: Node };

function tokenize(s: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(s)) !== null) {
    if (m[1] === undefined) break;
    tokens.push(m[1]);
    last = re.lastIndex;
  }
  if (s.slice(last).trim() !== "") throw badRequest("USERS-1", `invalid filter near "${s.slice(last)}"`);
  return tokens;
}

export function parseScim(filter: string): Node {
  const tokens = tokenize(filter);
  let i = 0;
  const fail = (): never => {
    throw badRequest("USERS-1", `invalid filter "${filter}"`);
  };
  const expr = (): Node => {
    let left = term();
    while (tokens[i]?.toLowerCase() === "or") {
      i++;
      left = { kind: "or", left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = factor();
    while (tokens[i]?.toLowerCase() === "and") {
      i++;
      left = { kind: "and", left, right: factor() };
    }
    return left;
  };
  const factor = (): Node => {
    if (tokens[i] === "(") {
      i++;
      const e = expr();
      if (tokens[i] !== ")") fail();
      i++;
      return e;
    }
    const attr = tokens[i++];
    const op = tokens[i++]?.toLowerCase();
    const raw = tokens[i++];
    if (!attr || !op || raw === undefined || !["eq", "ne", "co", "sw"].includes(op)) return fail();
    let value: string;
    if (raw.startsWith('"')) value = JSON.parse(raw) as string;
    else if (raw === "true" || raw === "false") value = raw;
    else return fail();
    return { kind: "cmp", attr, op, value };
  };
  const node = expr();
  if (i !== tokens.length) fail();
  return node;
}

export function matchScim(node: Node, item: unknown, get: Getter): boolean {
  if (node.kind !== "cmp") {
    return node.kind === "and" ? matchScim(node.left, item, get) && matchScim(node.right, item, get) : matchScim(node.left, item, get) || matchScim(node.right, item, get);
  }
  const values = get(item, node.attr);
  if (values === undefined) throw badRequest("USERS-1", `unsupported filter attribute "${node.attr}"`);
  const v = node.value.toLowerCase();
  switch (node.op) {
    case "eq":
      return values.some((x) => x.toLowerCase() === v);
    case "ne":
      return !values.some((x) => x.toLowerCase() === v);
    case "co":
      return values.some((x) => x.toLowerCase().includes(v));
    default:
      return values.some((x) => x.toLowerCase().startsWith(v));
  }
}
