/** The content of the frozen repositories, generated deterministically so tests can compare. */
import type { KdfParams } from "../src/internal/crypto.ts";

export const FROZEN_PASSWORD = "frozen-fixture-password";
export const FROZEN_KDF: KdfParams = { N: 1024, r: 8, p: 1 };

export function frozenContent() {
  const app1 = Buffer.alloc(6000);
  let x = 7;
  for (let i = 0; i < app1.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    app1[i] = x >>> 24;
  }
  return {
    app1,
    users: [{ id: "u1", name: "Alice" }, { id: "u2", name: "Bob" }],
    users2: [{ id: "u1", name: "Alice" }, { id: "u2", name: "Bob" }, { id: "u3", name: "Carol" }],
    /** Format 2: the app documents of a 150-app `apps` tree (stored in parts). */
    apps: Array.from({ length: 150 }, (_, i) => ({ id: `app-${String(i).padStart(3, "0")}`, name: `App ${i}`, owner: `u${(i % 3) + 1}` })),
  };
}
