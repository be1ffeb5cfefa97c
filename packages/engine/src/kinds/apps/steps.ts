/** The apps kind's step runners: see ../restore.ts. */
import { refKey } from "../../restore/ref.ts";
import { errText, type StepRunners } from "../restore.ts";

export const appSteps: StepRunners = {
  /**
   * Imports the .qvf. Imported by an earlier attempt and still there: done. Started by an
   * interrupted attempt: an app of the name in the space that was not there when the plan was
   * made is that attempt's, adopted instead of imported twice.
   */
  "import-app": async (step, x) => {
    const spaceId = step.space ? x.need(step.space, "the space") : undefined;
    const key = refKey(step.ref);
    const earlier = x.created[key];
    if (earlier) {
      if (await x.target.getApp(earlier)) return { note: `imported earlier as ${earlier}`, already: true };
      x.emit({ type: "warning", message: `app ${earlier}, imported by an earlier attempt of this restore, is gone; importing again` });
    } else if (x.interrupted) {
      const adopt = await x.findAdoptable(step.name, spaceId, step.knownSameName);
      if (adopt) return { outputs: { [key]: adopt }, note: `found ${adopt} from the interrupted attempt` };
    }
    const app = x.appOf(step.app);
    const qvf = step.qvf;
    const { appId } = await x.target.importApp({ name: step.name, ...(spaceId ? { spaceId } : {}), body: () => x.repository.readBlob(qvf) });
    return { outputs: { [key]: appId }, note: `new app id ${appId} (was ${app.id})` };
  },
  "copy-app": async (step, x) => {
    const from = x.need(step.from, "the imported app");
    const spaceId = x.need(step.space, "the development space");
    const key = refKey(step.ref);
    const earlier = x.created[key];
    if (earlier && (await x.target.getApp(earlier))) return { note: `copied earlier as ${earlier}`, already: true };
    if (!earlier && x.interrupted) {
      const adopt = await x.findAdoptable(step.name, spaceId, [...step.knownSameName, from]);
      if (adopt) return { outputs: { [key]: adopt }, note: `found ${adopt} from the interrupted attempt` };
    }
    const { appId } = await x.target.copyApp(from, { name: step.name, spaceId });
    return { outputs: { [key]: appId }, note: `development copy ${appId}` };
  },
  "qlik-restore": async (step, x) => {
    const key = refKey(step.ref);
    const earlier = x.created[key];
    if (earlier && (await x.target.getApp(earlier))) return { note: `restored earlier (${earlier})`, already: true };
    if (await x.target.getApp(step.appId)) return { outputs: { [key]: step.appId }, note: `app ${step.appId} is back already`, already: true };
    try {
      await x.target.restoreDeletedApp(step.appId);
    } catch (e) {
      throw new Error(
        `Qlik's restore of app ${step.appId} failed (${errText(e)}); if Qlik no longer holds it (purged, or hard-deleted since the plan), plan again: the app will be imported from the snapshot`,
      );
    }
    return { outputs: { [key]: step.appId }, note: `app ${step.appId} is back with its id` };
  },
  "app-script": async (step, x) => {
    const appId = x.need(step.target, "the app");
    const chunks: Uint8Array[] = [];
    for await (const c of x.repository.readBlob(step.script)) chunks.push(c);
    const script = Buffer.concat(chunks).toString("utf8");
    if ((await x.target.getAppScript(appId)) === script) return { note: "script already the snapshot's", already: true };
    await x.target.setAppScript(appId, script, `restored by Lifeboat from snapshot ${x.plan.snapshot.id.slice(0, 12)}`);
    return { note: `script set (${Buffer.byteLength(script)} bytes)` };
  },
  "strip-app": async (step, x) => {
    const appId = x.need(step.target, "the development copy");
    const removed = await x.target.withApp(appId, async (ed) => {
      const gone: string[] = [];
      for (const o of await ed.readObjects()) {
        if (o.approved) continue;
        await ed.destroyObject(o.id, o.genericType);
        gone.push(o.id);
      }
      if (gone.length) await ed.save();
      return gone;
    });
    return { note: removed.length ? `removed ${removed.length} private/community object(s)` : "nothing to remove", already: removed.length === 0 };
  },
  "app-owner": async (step, x) => {
    const appId = x.need(step.target, "the app");
    const ownerId = x.need(step.owner, "the owner");
    const info = await x.target.getApp(appId);
    if (!info) throw new Error(`app ${appId} is not on ${x.plan.target.host} (deleted while the restore ran?); run the same restore again to plan anew`);
    if (info.attributes.ownerId === ownerId) return { note: "owner already right", already: true };
    await x.target.updateAppOwner(appId, ownerId);
    return { note: `owner ${ownerId}` };
  },
  "publish-move": async (step, x) => {
    const appId = x.need(step.target, "the app");
    const spaceId = x.need(step.space, "the managed space");
    const origin = x.need(step.origin, "the development app");
    const info = await x.target.getApp(appId);
    if (!info) throw new Error(`app ${appId} is not on ${x.plan.target.host} (deleted while the restore ran?); run the same restore again to plan anew`);
    if (info.attributes.originAppId === origin && info.attributes.publishTime) return { note: "already in the managed space", already: true };
    await x.target.moveToManagedSpace(appId, { spaceId, originAppId: origin });
    return { note: `moved into ${spaceId}, origin ${origin}` };
  },
};
