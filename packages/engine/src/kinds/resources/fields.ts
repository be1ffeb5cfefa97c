/**
 * Dotted paths into a resource's `body` (def.ts `RefDecl.path`, `SecretDecl.field`,
 * `volatile`): read every value a path names, remove a path, copy without volatile fields.
 * `a.b` is a nested field; `a[].b` is `b` of each element of the array `a`; `a[]` each element.
 */
type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function segments(path: string): { key: string; each: boolean }[] {
  return path.split(".").map((p) => (p.endsWith("[]") ? { key: p.slice(0, -2), each: true } : { key: p, each: false }));
}

/** Every value `path` names in `body`, with a setter for each (used to remap references). */
export function visit(body: unknown, path: string, fn: (value: unknown, set: (v: unknown) => void, remove: () => void) => void): void {
  const segs = segments(path);
  const walk = (node: unknown, i: number): void => {
    if (!isObj(node)) return;
    const { key, each } = segs[i]!;
    if (!(key in node)) return;
    const last = i === segs.length - 1;
    if (each) {
      const arr = node[key];
      if (!Array.isArray(arr)) return;
      if (last) {
        const drop: number[] = [];
        arr.forEach((v, j) => fn(v, (nv) => void (arr[j] = nv), () => void drop.push(j)));
        for (const j of drop.reverse()) arr.splice(j, 1);
      } else for (const el of arr) walk(el, i + 1);
      return;
    }
    if (last) fn(node[key], (nv) => void (node[key] = nv), () => void delete node[key]);
    else walk(node[key], i + 1);
  };
  walk(body, 0);
}

/** The values `path` names (strings and numbers as found). */
export function valuesAt(body: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  visit(body, path, (v) => void out.push(v));
  return out;
}

/** A deep copy of `body` without the fields `paths` name. */
export function without(body: Json, paths: readonly string[]): Json {
  const copy = structuredClone(body);
  for (const p of paths) visit(copy, p, (_v, _set, remove) => remove());
  return copy;
}
