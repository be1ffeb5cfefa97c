/**
 * Test helpers: a running demo emulator and `@qlik/api` clients bound to it (per-instance
 * host configs, never global defaults). Tests only — not exported from index.ts.
 */
import { createQlikApi } from "@qlik/api";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "./server.ts";
import type { Tenant, User } from "./model.ts";

export type QlikApi = ReturnType<typeof createQlikApi>;

export const BOT_SCOPE = "user_default admin.apps admin_classic";

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ fixture: "demo", qix: false, ...options });
}

export function adminApi(emu: { host: string; apiKey: string }): QlikApi {
  return createQlikApi({ hostConfig: { authType: "apikey", host: emu.host, apiKey: emu.apiKey } });
}

export function botApi(emu: { host: string; clientId: string; clientSecret: string }): QlikApi {
  return createQlikApi({ hostConfig: { authType: "oauth2", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, scope: BOT_SCOPE } });
}

/** An API key for an existing fixture user (added to the tenant on the fly). */
export function userApi(emu: EmulatorHandle, user: User, tenantIndex = 0): QlikApi {
  const tenant = emu.state.tenants[tenantIndex] as Tenant;
  const token = `test_${user.id}`;
  tenant.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
  return createQlikApi({ hostConfig: { authType: "apikey", host: emu.tenants[tenantIndex]?.host ?? emu.host, apiKey: token } });
}

export function userByName(emu: EmulatorHandle, name: string, tenantIndex = 0): User {
  const u = Object.values(emu.state.tenants[tenantIndex]?.users ?? {}).find((x) => x.name === name);
  if (!u) throw new Error(`no fixture user named ${name}`);
  return u;
}

/** The error @qlik/api throws for a status ≥ 300, or fails. */
export async function rejection(p: Promise<unknown>): Promise<{ status: number; data: unknown; headers: Headers }> {
  try {
    await p;
  } catch (e) {
    return e as { status: number; data: unknown; headers: Headers };
  }
  throw new Error("expected the call to fail");
}
