/**
 * The plan builder: what the restore planner's kind fragments (`kinds/<layer>/plan.ts`) write
 * into, in registry order, and what turns their steps into a plan's ordered steps with their
 * dependencies (`after`). Pure: no I/O, no clock.
 *
 * Where a step goes decides what it waits for:
 * - `step(…)`: a tenant-level step run before any app (users, spaces, assignments): in the
 *   order of `HEAD_ORDER`, one after another (a `group` of consecutive steps side by side: the
 *   items of one resource kind);
 * - `appStep(appId, …)`: a step of an app's chain: an app's steps run one after another, chains
 *   in parallel once the tenant-level steps are done; `chainWaitsFor` makes a chain wait for
 *   another (a managed app's for its origin app's);
 * - `tailStep(…)`: a tenant-level step run after every app (space owners), one after another.
 *
 * Fragments that others build on expose what they decide through the builder's services
 * (`ensureUser`, `userRef`, `decideSpace`), installed by the fragment that owns them.
 */
import type { ObjectRecord, SpaceRecord, UserRecord } from "@lifeboat/model";
import type { AppDecision, PlanStep, PreviousAttempt, RestoreOptions, SpaceDecision, StepDraft, StepKind, UserDecision } from "./plan.ts";
import type { Ref } from "./ref.ts";
import type { ResourceDecision, RestoreSecrets } from "./resources.ts";
import type { RestoreSource, SourceApp, SourceSpace } from "./source.ts";
import type { TargetState } from "./target.ts";

/** Everything a fragment may read: the inputs of `planRestore` and the validated selection. */
export interface PlanContext {
  source: RestoreSource;
  target: TargetState;
  options: RestoreOptions;
  previous: PreviousAttempt;
  sameTenant: boolean;
  selectedApps: ReadonlyMap<string, SourceApp>;
  selectedSpaces: ReadonlyMap<string, SourceSpace>;
  /** Source space id → the existing target space `--space-map` names. */
  spaceMap: ReadonlyMap<string, SpaceRecord>;
  /** Target ids an earlier attempt of this restore created. */
  createdIds: ReadonlySet<string>;
  /** Step ids an earlier attempt started and never recorded. */
  interruptedSteps: ReadonlySet<string>;
  /** The snapshot objects of a selected app (read before planning); [] for an app not read. */
  objectsOf(appId: string): readonly ObjectRecord[];
  /** Single-object restore (`--object`): the snapshot object ids of the one selected app; nothing else is restored. */
  onlyObjects?: ReadonlySet<string>;
  /** Which secrets the operator gives (values are never read by the planner). */
  secrets: RestoreSecrets;
}

/** A tenant-level step as placed: consecutive steps of one `group` run side by side. */
interface Placed {
  draft: StepDraft;
  group?: string;
}

/** Tenant-level steps before the apps, in this order (stable within a kind). */
const HEAD_ORDER: readonly StepKind[] = ["create-user", "create-space", "assign"];

const unavailable = (what: string) => (): never => {
  throw new Error(`planner: ${what} is used before the fragment that provides it ran (check the registry's order)`);
};

export class PlanBuilder {
  readonly users: UserDecision[] = [];
  readonly spaces: SpaceDecision[] = [];
  readonly apps: AppDecision[] = [];
  /** Items of declared resource kinds (kinds/resources/restore.ts), in registry order. */
  readonly resources: ResourceDecision[] = [];
  /** Source user id → ref of the target user who owns their content. */
  readonly owners: Record<string, Ref> = {};
  readonly warnings: string[] = [];
  readonly blockers: string[] = [];
  private readonly head: Placed[] = [];
  private readonly chains = new Map<string, { steps: StepDraft[]; waitsFor: Set<string> }>();
  private readonly tail: Placed[] = [];
  private readonly deferred: (() => void)[] = [];

  /** Users: decides a user the plan did not need so far (mapped, created or missing). Installed by the users fragment. */
  ensureUser: (sourceUserId: string) => void = unavailable("ensureUser");
  /** Users: a source user as the plan knows it (the users layer, else the subject on the selected apps' objects). Installed by the users fragment. */
  sourceUser: (sourceUserId: string) => UserRecord | undefined = unavailable("sourceUser");
  /** Spaces: the decision for a snapshot space (made once). Installed by the spaces fragment. */
  decideSpace: (record: SpaceRecord) => SpaceDecision = unavailable("decideSpace");

  constructor(readonly ctx: PlanContext) {}

  /** The ref of the target user who gets a source user's content, when resolved. */
  userRef(sourceUserId: string | undefined): Ref | undefined {
    return sourceUserId ? this.owners[sourceUserId] : undefined;
  }

  /**
   * A tenant-level step before the apps. `group`: consecutive steps of one group run side by
   * side (they need nothing of each other: the items of one resource kind); the step after
   * them waits for all.
   */
  step(draft: StepDraft, opts: { group?: string } = {}): void {
    this.head.push({ draft, ...(opts.group !== undefined ? { group: opts.group } : {}) });
  }

  hasStep(id: string): boolean {
    return this.head.some((s) => s.draft.id === id) || this.tail.some((s) => s.draft.id === id) || [...this.chains.values()].some((c) => c.steps.some((s) => s.id === id));
  }

  /** A step of the chain of the source app `appId`. */
  appStep(appId: string, draft: StepDraft): void {
    this.chainOf(appId).steps.push(draft);
  }

  /** The chain of `appId` starts once the chain of `otherAppId` is done. */
  chainWaitsFor(appId: string, otherAppId: string): void {
    if (appId !== otherAppId) this.chainOf(appId).waitsFor.add(otherAppId);
  }

  /** A tenant-level step after every app (`group`: as for `step`). */
  tailStep(draft: StepDraft, opts: { group?: string } = {}): void {
    this.tail.push({ draft, ...(opts.group !== undefined ? { group: opts.group } : {}) });
  }

  /** Runs `fn` once every fragment has run (in the order registered). */
  later(fn: () => void): void {
    this.deferred.push(fn);
  }

  runDeferred(): void {
    for (let i = 0; i < this.deferred.length; i++) this.deferred[i]!();
  }

  private chainOf(appId: string) {
    let c = this.chains.get(appId);
    if (!c) this.chains.set(appId, (c = { steps: [], waitsFor: new Set() }));
    return c;
  }

  /** The plan's steps in order, each with the ids of the steps it waits for. */
  build(first: StepDraft[] = []): PlanStep[] {
    const rank = (s: StepDraft) => {
      const i = HEAD_ORDER.indexOf(s.kind);
      return i < 0 ? HEAD_ORDER.length : i;
    };
    const out: PlanStep[] = [];
    /**
     * Puts `list` into the plan one after another — consecutive steps of one `group` side by
     * side (each waits for what came before the group, the next for all of them) — the first
     * waiting for `start`. Returns the ids the step after the list waits for.
     */
    const sequence = (list: readonly Placed[], start: string[]): string[] => {
      let prevs = start;
      for (let i = 0; i < list.length; ) {
        const group = list[i]!.group;
        let j = i + 1;
        if (group !== undefined) while (j < list.length && list[j]!.group === group) j++;
        const batch = list.slice(i, j);
        for (const p of batch) out.push({ ...p.draft, after: [...prevs] } as PlanStep);
        prevs = batch.map((p) => p.draft.id);
        i = j;
      }
      return prevs;
    };
    const headEnds = sequence([...first.map((draft) => ({ draft })), ...[...this.head].sort((a, b) => rank(a.draft) - rank(b.draft))], []);
    const lastOf = new Map<string, string>();
    for (const [appId, c] of this.chains) if (c.steps.length) lastOf.set(appId, c.steps.at(-1)!.id);
    for (const [, c] of this.chains) {
      const waits = [...c.waitsFor].flatMap((a) => (lastOf.has(a) ? [lastOf.get(a)!] : []));
      sequence(
        c.steps.map((draft) => ({ draft })),
        [...headEnds, ...waits],
      );
    }
    const allChains = [...lastOf.values()];
    sequence(this.tail, allChains.length ? allChains : headEnds);
    return out;
  }
}
