/**
 * QRS `filter` expressions over the JSON entities the emulator answers with:
 *
 *   filter := or;  or := and ("or" and)*;  and := unary ("and" unary)*
 *   unary  := "not" unary | "(" filter ")" | path op value
 *   op     := eq | ne | sw | ew | so | gt | ge | lt | le       (so = substring of)
 *   value  := 'text' ('' escapes a quote) | a GUID | true | false | null | a number
 *   path   := name ("." name)*    e.g. app.id, owner.userDirectory, stream.name, tags.name
 *
 * A path through an array matches when any element does (`tags.name eq 'Certified'`).
 * Text compares case-insensitively (UNCONFIRMED: QRS's SQL collation decides; the emulator
 * picks the forgiving side here because ids and names are what Lifeboat filters on, and
 * they never differ only in case). A malformed expression or an unknown first path segment
 * is a `FilterError`, answered 400 "Cannot parse the expression: …" as QRS does.
 */

export class FilterError extends Error {}

type Value = string | number | boolean | null;
type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; inner: Node }
  | { kind: "cmp"; path: string[]; op: string; value: Value };

const OPS = new Set(["eq", "ne", "sw", "ew", "so", "gt", "ge", "lt", "le"]);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function tokenize(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")") {
      out.push(ch);
      i++;
    } else if (ch === "'") {
      let j = i + 1;
      let text = "";
      for (;;) {
        if (j >= src.length) throw new FilterError(`unterminated text starting at ${i}`);
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += src[j];
        j++;
      }
      out.push(`'${text}`);
      i = j + 1;
    } else {
      let j = i;
      while (j < src.length && !/[\s()']/.test(src[j] as string)) j++;
      out.push(src.slice(i, j));
      i = j;
    }
  }
  return out;
}

export function parseFilter(src: string, fields: readonly string[]): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new FilterError("unexpected end of the expression");
    return t;
  };
  const value = (t: string): Value => {
    if (t.startsWith("'")) return t.slice(1);
    const lower = t.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (lower === "null") return null;
    if (GUID.test(t)) return t;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    throw new FilterError(`"${t}" is not a value (quote text as 'text')`);
  };
  const unary = (): Node => {
    const t = next();
    if (t.toLowerCase() === "not") return { kind: "not", inner: unary() };
    if (t === "(") {
      const inner = or();
      if (next() !== ")") throw new FilterError("missing )");
      return inner;
    }
    if (t.startsWith("'") || t === ")") throw new FilterError(`expected a property name, got ${t}`);
    const path = t.split(".");
    if (path.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw new FilterError(`"${t}" is not a property path`);
    const first = path[0] as string;
    if (!fields.some((f) => f.toLowerCase() === first.toLowerCase())) throw new FilterError(`unknown property "${first}"`);
    const op = next().toLowerCase();
    if (!OPS.has(op)) throw new FilterError(`unknown operator "${op}"`);
    return { kind: "cmp", path, op, value: value(next()) };
  };
  const and = (): Node => {
    let left = unary();
    while (peek()?.toLowerCase() === "and") {
      pos++;
      left = { kind: "and", left, right: unary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (peek()?.toLowerCase() === "or") {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  const node = or();
  if (pos !== tokens.length) throw new FilterError(`unexpected "${tokens[pos]}"`);
  return node;
}

function lookup(node: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [node];
  if (Array.isArray(node)) return node.flatMap((n) => lookup(n, path));
  if (!node || typeof node !== "object") return [];
  const [head, ...rest] = path;
  const key = Object.keys(node).find((k) => k.toLowerCase() === (head as string).toLowerCase());
  if (key === undefined) return [];
  return lookup((node as Record<string, unknown>)[key], rest);
}

function compare(actual: unknown, op: string, expected: Value): boolean {
  if (expected === null) return op === "eq" ? actual === null || actual === undefined : op === "ne" ? actual !== null && actual !== undefined : false;
  if (typeof expected === "boolean") return op === "eq" ? actual === expected : op === "ne" ? actual !== expected : false;
  if (typeof expected === "number" && typeof actual === "number") {
    return { eq: actual === expected, ne: actual !== expected, gt: actual > expected, ge: actual >= expected, lt: actual < expected, le: actual <= expected }[op as "eq"] ?? false;
  }
  if (typeof actual !== "string") return op === "ne";
  const a = actual.toLowerCase();
  const e = String(expected).toLowerCase();
  switch (op) {
    case "eq":
      return a === e;
    case "ne":
      return a !== e;
    case "sw":
      return a.startsWith(e);
    case "ew":
      return a.endsWith(e);
    case "so":
      return a.includes(e);
    case "gt":
      return a > e;
    case "ge":
      return a >= e;
    case "lt":
      return a < e;
    default:
      return a <= e;
  }
}

export function matches(node: Node, entity: unknown): boolean {
  switch (node.kind) {
    case "and":
      return matches(node.left, entity) && matches(node.right, entity);
    case "or":
      return matches(node.left, entity) || matches(node.right, entity);
    case "not":
      return !matches(node.inner, entity);
    default: {
      const values = lookup(entity, node.path);
      if (node.op === "ne") return values.length === 0 ? node.value !== null : values.every((v) => compare(v, "ne", node.value));
      if (values.length === 0) return compare(undefined, node.op, node.value);
      return values.some((v) => compare(v, node.op, node.value));
    }
  }
}

/** `orderby=name` or `orderby=modifiedDate desc`: a stable sort on one property. */
export function orderBy<T>(items: T[], spec: string | undefined, fields: readonly string[]): T[] {
  if (!spec) return items;
  const [field, dir, ...rest] = spec.trim().split(/\s+/);
  if (!field || rest.length > 0 || (dir !== undefined && !/^(asc|desc)$/i.test(dir))) throw new FilterError(`orderby "${spec}" must be "property [asc|desc]"`);
  if (!fields.some((f) => f.toLowerCase() === field.split(".")[0]?.toLowerCase())) throw new FilterError(`unknown property "${field}" in orderby`);
  const sign = dir?.toLowerCase() === "desc" ? -1 : 1;
  const key = (x: T): string => String(lookup(x, field.split("."))[0] ?? "").toLowerCase();
  return [...items].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

/**
 * The value a filter pins `path` to with `eq` in a top-level conjunct (`app.id eq X and …`), if
 * any: every match then has that value, so a caller may narrow its candidates first (the
 * emulator lists one app's objects without building every object of the site).
 */
export function pinnedValue(node: Node, path: string[]): Value | undefined {
  if (node.kind === "and") return pinnedValue(node.left, path) ?? pinnedValue(node.right, path);
  if (node.kind === "cmp" && node.op === "eq" && node.path.length === path.length && node.path.every((p, i) => p.toLowerCase() === path[i]?.toLowerCase())) return node.value;
  return undefined;
}
