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
  };
}
