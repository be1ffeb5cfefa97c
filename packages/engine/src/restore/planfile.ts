/**
 * Plan files: `lifeboat restore --plan --json` writes one, `--from-plan FILE` executes
 * exactly it. The file carries a signature over the whole plan (which names the snapshot
 * id and the target host): an HMAC-SHA256 when a key is given (the CLI derives one from
 * the repository's keys, so only someone who can open the repository can sign a plan),
 * else a SHA-256 digest. An edited, truncated or foreign plan file is rejected.
 */
import { createHmac } from "node:crypto";
import { LifeboatError } from "@lifeboat/model";
import { canonicalJson, sha256Hex } from "../internal/canonical.ts";
import type { JournalState } from "./journal.ts";
import { PLAN_FORMAT, PLAN_VERSION, type RestorePlan } from "./plan.ts";
import type { TargetState } from "./target.ts";

export interface SignedPlan {
  plan: RestorePlan;
  signature: { algorithm: "hmac-sha256" | "sha256"; value: string };
}

/** A plan file that cannot be used as it is (code usage: nothing was done). */
export class PlanFileError extends LifeboatError {
  constructor(message: string) {
    super("usage", message);
    this.name = "PlanFileError";
  }
}

function digest(plan: RestorePlan, key: Uint8Array | undefined): SignedPlan["signature"] {
  const text = canonicalJson(plan);
  if (key) return { algorithm: "hmac-sha256", value: createHmac("sha256", key).update("lifeboat-restore-plan\n").update(text).digest("hex") };
  return { algorithm: "sha256", value: sha256Hex(text) };
}

export function signPlan(plan: RestorePlan, key?: Uint8Array): SignedPlan {
  return { plan, signature: digest(plan, key) };
}

/** The plan file's text (pretty JSON, newline-terminated). */
export function formatPlanFile(plan: RestorePlan, key?: Uint8Array): string {
  return JSON.stringify(signPlan(plan, key), null, 2) + "\n";
}

/** Parses and checks a plan file; throws `PlanFileError` naming what is wrong. */
export function parsePlanFile(text: string, file: string, key?: Uint8Array): RestorePlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`plan file ${file} is not valid JSON (${(e as Error).message}) — it may be truncated; write it again with 'lifeboat restore … --plan --json'`);
  }
  const d = doc as Partial<SignedPlan> | null;
  const plan = d?.plan as RestorePlan | undefined;
  if (!d || typeof d !== "object" || !plan || typeof plan !== "object" || plan.format !== PLAN_FORMAT)
    throw new PlanFileError(`${file} is not a Lifeboat restore plan (no '${PLAN_FORMAT}' document)`);
  if (plan.version !== PLAN_VERSION) throw new PlanFileError(`plan file ${file} has version ${String(plan.version)}; this Lifeboat reads version ${PLAN_VERSION}`);
  const sig = d.signature;
  if (!sig || typeof sig.value !== "string") throw new PlanFileError(`plan file ${file} has no signature; it was not written by 'lifeboat restore --plan --json'`);
  if (sig.algorithm === "hmac-sha256" && !key)
    throw new PlanFileError(`plan file ${file} is signed with the repository's key; open the same repository (--repo, password) to use it`);
  const expected = digest(plan, sig.algorithm === "hmac-sha256" ? key : undefined);
  if (expected.algorithm !== sig.algorithm || expected.value !== sig.value)
    throw new PlanFileError(
      `plan file ${file} does not match its signature: it was edited, truncated or signed for another repository; ` +
        "nothing was changed — make a new plan with 'lifeboat restore … --plan --json'",
    );
  return plan;
}

/**
 * Why a plan made earlier no longer fits the target (pure): an app the plan reconciles is
 * gone, a space the plan creates exists already, or an app of the name the plan imports
 * (or copies) under appeared in that space since the plan was made. Steps this restore already started or finished (`journal`) are
 * left to the executor, which adopts what an interrupted attempt made. Empty = still fits.
 */
export function stalePlanReasons(plan: RestorePlan, state: TargetState, journal: Pick<JournalState, "done" | "interrupted" | "created">): string[] {
  const reasons: string[] = [];
  const apps = new Map(state.apps.map((a) => [a.appId, a]));
  const ours = new Set(Object.values(journal.created));
  const idOf = (ref: string | undefined): string | undefined => (ref?.startsWith("id:") ? ref.slice(3) : ref ? journal.created[ref] : undefined);
  const gone = new Set<string>();
  for (const step of plan.steps) {
    if (journal.done.has(step.id) || journal.interrupted.has(step.id)) continue;
    if (step.kind === "objects" && step.target.startsWith("id:") && !apps.has(step.target.slice(3)) && !gone.has(step.target)) {
      gone.add(step.target);
      reasons.push(`app ${step.target.slice(3)}, which the plan restores in place, is no longer on ${plan.target.host}`);
    }
    if (step.kind === "qlik-restore" && !apps.has(step.appId) && state.softDeleted && !state.softDeleted.some((x) => x.appId === step.appId))
      reasons.push(`app ${step.appId}, which the plan brings back with Qlik's restore, is no longer restorable by Qlik (purged or hard-deleted)`);
    if (step.kind === "create-space") {
      // The executor would adopt it (and hand it to the snapshot's owner): it is someone else's.
      const there = state.spaces.find((x) => x.name === step.name && !ours.has(x.id));
      if (there) reasons.push(`a ${there.type} space named '${step.name}' appeared since the plan was made (${there.id})`);
    }
    if (step.kind === "import-app" || step.kind === "copy-app") {
      // A personal app's name clashes only in its owner's personal space: the planner's concern.
      // A space the restore creates has nothing in it yet.
      const spaceId = idOf(step.space);
      if (!spaceId) continue;
      const known = new Set(step.knownSameName);
      const appeared = state.apps.filter((a) => a.name === step.name && a.spaceId === spaceId && !known.has(a.appId) && !ours.has(a.appId));
      if (appeared.length)
        reasons.push(`an app named '${step.name}' appeared in space ${spaceId} since the plan was made (${appeared.map((a) => a.appId).join(", ")})`);
    }
  }
  return reasons;
}
