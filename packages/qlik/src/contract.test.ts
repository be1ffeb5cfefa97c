/**
 * The ports' contract suites (`@lifeboat/engine/testing`) against the emulator through the
 * connector: `createTenantClient` as the tenant reader (the private-content bot, and an API
 * key's user who is none), `createRestoreTarget` as the restore target. Each emulator
 * starts empty and is seeded with the suites' fixture (testing-emulator.ts).
 */
import { startEmulator, type Tenant } from "@lifeboat/emulator";
import { contractFixture, restoreTargetContract, tenantReaderContract } from "@lifeboat/engine/testing";
import { botOf, seedContractFixture } from "./testing-emulator.ts";
import { createRestoreTarget } from "./restore-target.ts";

const fixture = contractFixture({ pageSize: 100 });

async function seededEmulator() {
  const emu = await startEmulator({ fixture: "empty", port: 0, rateLimits: "off" });
  const tenant = emu.state.tenants[0] as Tenant;
  const seeded = seedContractFixture(tenant, fixture);
  return { emu, tenant, seeded };
}

tenantReaderContract("connector (createTenantClient) against the emulator", async () => {
  const { emu, seeded } = await seededEmulator();
  const reader = botOf(emu);
  return {
    reader,
    seeded,
    teardown: async () => {
      await reader.close();
      await emu.close();
    },
  };
});

// As against a live tenant: no seed, so only the invariants run (on the demo tenant's content).
tenantReaderContract("connector against the emulator's demo tenant, unseeded (the live tenant's run)", async () => {
  const emu = await startEmulator({ fixture: "demo", port: 0, rateLimits: "off" });
  const reader = botOf(emu);
  return {
    reader,
    teardown: async () => {
      await reader.close();
      await emu.close();
    },
  };
});

restoreTargetContract("connector (createRestoreTarget) against the emulator", async () => {
  const { emu, tenant, seeded } = await seededEmulator();
  const client = botOf(emu);
  return {
    target: createRestoreTarget(client),
    seeded,
    appFile: (appId) => async function* () {
      const exp = await client.exportApp(appId, { withData: false });
      yield* exp.body;
    },
    hasData: async (appId) => (tenant.apps[appId]?.dataModelBytes ?? 0) > 0,
    teardown: async () => {
      await client.close();
      await emu.close();
    },
  };
});
