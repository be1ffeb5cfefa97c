/** The spaces kind's step runners: see ../restore.ts. */
import { refKey } from "../../restore/ref.ts";
import type { StepRunners } from "../restore.ts";

export const spaceSteps: StepRunners = {
  /** A space of the name and type (created by an interrupted attempt) is adopted; one of another type stops the step. */
  "create-space": async (step, x) => {
    const existing = await x.target.findSpaceByName(step.name);
    if (existing && existing.type === step.type) return { outputs: { [refKey(step.ref)]: existing.id }, note: `space exists (${existing.id})`, already: true };
    if (existing) throw new Error(`a ${existing.type} space named '${step.name}' appeared on ${x.plan.target.host} since the plan was made; plan again`);
    const s = await x.target.createSpace({ name: step.name, type: step.type, ...(step.description ? { description: step.description } : {}) });
    return { outputs: { [refKey(step.ref)]: s.id }, note: s.id };
  },
  assign: async (step, x) => {
    const spaceId = x.need(step.space, "the space");
    const assigneeId = x.need(step.assignee, "the assignee");
    for await (const a of x.target.listSpaceAssignments(spaceId)) if (a.assigneeId === assigneeId) return { note: "already assigned", already: true };
    await x.target.createSpaceAssignment(spaceId, { type: step.assigneeType, assigneeId, roles: step.roles });
    return {};
  },
  "space-owner": async (step, x) => {
    const spaceId = x.need(step.space, "the space");
    const ownerId = x.need(step.owner, "the owner");
    let current: string | undefined;
    let found = false;
    for await (const s of x.target.listSpaces())
      if (s.id === spaceId) {
        found = true;
        current = s.ownerId;
      }
    if (!found) throw new Error(`space ${spaceId} is not on ${x.plan.target.host} (deleted since the plan was made?); plan again`);
    if (current === ownerId) return { note: "owner already right", already: true };
    await x.target.updateSpaceOwner(spaceId, ownerId);
    return { note: `owner ${ownerId}` };
  },
};
