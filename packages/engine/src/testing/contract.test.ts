/**
 * The ports' contract suites against the engine's in-memory fakes: the reader with and
 * without `readAppContent`, and `FakeTarget`.
 */
import { contractFixture, createFakeTenant, fakeTargetFrom, fakeTenantStateFrom, FIXTURE_BOT, restoreTargetContract, tenantReaderContract } from "../testing.ts";

const fixture = contractFixture();
const caller = { userId: FIXTURE_BOT.id, subject: FIXTURE_BOT.subject, isPrivateContentBot: true };

tenantReaderContract("in-memory fake with object stamps (readAppContent)", async () => ({
  reader: createFakeTenant(fakeTenantStateFrom(fixture), { readAppContent: true }),
  seeded: { fixture, caller },
}));

tenantReaderContract("in-memory fake without readAppContent", async () => ({
  reader: createFakeTenant(fakeTenantStateFrom(fixture)),
  seeded: { fixture, caller },
}));

restoreTargetContract("in-memory FakeTarget", async () => {
  const target = fakeTargetFrom(fixture);
  return {
    target,
    seeded: { fixture, caller },
    // FakeTarget imports a JSON array of object records: the source app's objects.
    appFile: (appId) => async function* () {
      yield new TextEncoder().encode(JSON.stringify([...(target.apps.get(appId)?.objects.values() ?? [])]));
    },
  };
});
