/** The users kind's step runners: see ../restore.ts. */
import { refKey } from "../../restore/ref.ts";
import type { StepRunners } from "../restore.ts";

export const userSteps: StepRunners = {
  /** A user of the subject (created by an interrupted attempt, or since) is adopted, not duplicated. */
  "create-user": async (step, x) => {
    const existing = await x.target.findUserBySubject(step.subject);
    const key = refKey(step.ref);
    if (existing) return { outputs: { [key]: existing.id }, note: `user ${step.subject} exists (${existing.id})`, already: true };
    const u = await x.target.createUser({ subject: step.subject, ...(step.name ? { name: step.name } : {}), ...(step.email ? { email: step.email } : {}) });
    return { outputs: { [key]: u.id }, note: `invited ${u.id}` };
  },
};
