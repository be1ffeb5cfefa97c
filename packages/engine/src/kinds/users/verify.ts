/** The users kind's verification: every user the plan creates exists. */
import type { VerifyContext } from "../restore.ts";

export async function verifyUsers(v: VerifyContext): Promise<void> {
  for (const u of v.plan.users) {
    if (u.action !== "create") continue;
    const found = await v.target.findUserBySubject(u.subject);
    if (!found) v.other.push({ where: `user ${u.subject}`, field: "exists", expected: "created (invited)", actual: "missing" });
  }
}
