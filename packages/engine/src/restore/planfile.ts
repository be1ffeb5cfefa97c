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
import { PLAN_FORMAT, PLAN_VERSION, type PlanStep, type RestorePlan } from "./plan.ts";
import { existingId, parseRefKey, type Ref, resolveRef } from "./ref.ts";
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
  const version = plan.version as number;
  if (version !== PLAN_VERSION && version !== 2)
    throw new PlanFileError(`plan file ${file} has version ${String(plan.version)}; this Lifeboat reads versions 2 and ${PLAN_VERSION} — make a new plan with 'lifeboat restore … --plan --json'`);
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
  const read = version === 2 ? upgradeV2(plan as unknown as Record<string, unknown>, file) : plan;
  // Written before resource kinds (issue 12): no resource decisions (the signature covers the plan as written).
  return read.resources ? read : { ...read, resources: [] };
}

/**
 * A version 2 plan (written before refs were typed and steps listed what they wait for) as
 * version 3: every ref string ("id:<id>", "app:<id>", …) becomes its typed ref, and each step
 * gets the `after` the executor of that version derived from step ids and refs: tenant-level
 * steps in order, then one chain per app ("app:<id>:…" steps; a chain naming another app's
 * ref waits for that chain), then the remaining tenant-level steps (space owners) in order.
 * The signature was checked on the file as written.
 */
function upgradeV2(old: Record<string, unknown>, file: string): RestorePlan {
  const ref = (v: unknown, where: string): Ref => {
    const r = typeof v === "string" ? parseRefKey(v) : undefined;
    if (!r) throw new PlanFileError(`plan file ${file} (version 2) has a reference ${JSON.stringify(v)} at ${where} that this Lifeboat cannot read; make a new plan with 'lifeboat restore … --plan --json'`);
    return r;
  };
  const opt = (v: unknown, where: string): Ref | undefined => (v === undefined ? undefined : ref(v, where));
  const plan = structuredClone(old) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  plan.version = PLAN_VERSION;
  for (const [k, v] of Object.entries(plan.owners ?? {})) plan.owners[k] = ref(v, `owners.${k}`);
  for (const u of plan.users ?? []) if (u.ref !== undefined) u.ref = ref(u.ref, `user ${u.sourceId}`);
  for (const s of plan.spaces ?? []) {
    s.ref = ref(s.ref, `space ${s.sourceId}`);
    if (s.owner?.ref !== undefined) s.owner.ref = ref(s.owner.ref, `space ${s.sourceId} owner`);
  }
  for (const a of plan.apps ?? []) {
    if (a.owner !== undefined) a.owner = ref(a.owner, `app ${a.sourceId} owner`);
    if (a.targetSpace) a.targetSpace.ref = ref(a.targetSpace.ref, `app ${a.sourceId} space`);
    if (a.managed) {
      a.managed.space.ref = ref(a.managed.space.ref, `app ${a.sourceId} managed space`);
      a.managed.origin = ref(a.managed.origin, `app ${a.sourceId} origin`);
    }
  }
  const refFields = ["ref", "target", "from", "origin", "space", "owner", "assignee"] as const;
  const appRefsOf: string[][] = [];
  for (const step of plan.steps ?? []) {
    const named: string[] = [];
    for (const f of refFields) {
      if (step[f] === undefined) continue;
      if (f !== "ref" && f !== "assignee" && typeof step[f] === "string" && step[f].startsWith("app:")) named.push(step[f].slice(4));
      step[f] = opt(step[f], `step ${step.id} ${f}`);
    }
    appRefsOf.push(named);
  }
  const steps = plan.steps as PlanStep[];
  const chainOf = (id: string): string | undefined => {
    if (!id.startsWith("app:")) return undefined;
    const rest = id.slice(4);
    const cut = rest.lastIndexOf(":");
    return cut > 0 ? rest.slice(0, cut) : undefined;
  };
  const chains = new Map<string, number[]>();
  const head: number[] = [];
  const tail: number[] = [];
  steps.forEach((s, i) => {
    const app = chainOf(s.id);
    if (app === undefined) (chains.size > 0 ? tail : head).push(i);
    else chains.set(app, [...(chains.get(app) ?? []), i]);
  });
  const serial = (list: number[], first: string[]) => list.forEach((i, n) => (steps[i]!.after = n === 0 ? first : [steps[list[n - 1]!]!.id]));
  serial(head, []);
  const headLast = head.length ? [steps[head.at(-1)!]!.id] : [];
  const lastOf = (app: string) => steps[chains.get(app)!.at(-1)!]!.id;
  for (const [app, list] of chains) {
    const waits = new Set<string>();
    for (const i of list) for (const other of appRefsOf[i]!) if (other !== app && chains.has(other)) waits.add(lastOf(other));
    serial(list, [...headLast, ...waits]);
  }
  serial(tail, chains.size ? [...chains.keys()].map(lastOf) : headLast);
  return plan as RestorePlan;
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
  const gone = new Set<string>();
  for (const step of plan.steps) {
    if (journal.done.has(step.id) || journal.interrupted.has(step.id)) continue;
    const inPlace = step.kind === "objects" ? existingId(step.target) : undefined;
    if (inPlace !== undefined && !apps.has(inPlace) && !gone.has(inPlace)) {
      gone.add(inPlace);
      reasons.push(`app ${inPlace}, which the plan restores in place, is no longer on ${plan.target.host}`);
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
      const spaceId = resolveRef(step.space, journal.created);
      if (!spaceId) continue;
      const known = new Set(step.knownSameName);
      const appeared = state.apps.filter((a) => a.name === step.name && a.spaceId === spaceId && !known.has(a.appId) && !ours.has(a.appId));
      if (appeared.length)
        reasons.push(`an app named '${step.name}' appeared in space ${spaceId} since the plan was made (${appeared.map((a) => a.appId).join(", ")})`);
    }
    if (step.kind === "resource") {
      const items = state.resources?.[step.layer];
      if (!items) {
        reasons.push(`the target's ${step.layer} could not be read (${state.resourcesUnavailable?.[step.layer] ?? "not asked for"})`);
        continue;
      }
      const id = existingId(step.target);
      if (step.action === "update" && id !== undefined && !items.some((x) => x.id === id))
        reasons.push(`${step.layer} '${step.name}' (${id}), which the plan updates, is no longer on ${plan.target.host}`);
      if (step.action === "create") {
        // The executor would create a second one beside it.
        const spaceId = step.space ? resolveRef(step.space, journal.created) : undefined;
        const there = items.filter((x) => x.name === step.name && !ours.has(x.id) && (!step.space || x.spaceId === spaceId));
        if (there.length) reasons.push(`${step.layer} '${step.name}' appeared since the plan was made (${there.map((x) => x.id).join(", ")})`);
      }
    }
  }
  return reasons;
}
