/**
 * @lifeboat/emulator — a Qlik Cloud emulator (REST + QIX websocket) over seedable tenant state.
 *
 * @example
 *   import { startEmulator } from "@lifeboat/emulator";
 *   const emu = await startEmulator({ fixture: "demo" });
 *   // emu.host, emu.apiKey (tenant admin), emu.clientId/emu.clientSecret (private-content bot:
 *   // request scope "user_default admin.apps admin_classic")
 *   await emu.close();
 */
export * from "./model.ts";
export { startEmulator } from "./server.ts";
export type { EmulatorHandle, EmulatorOptions } from "./server.ts";
export type { FixtureName } from "./fixtures.ts";
export type { SiteFixtureName } from "./qrs/fixtures.ts";
export type { SiteHandle } from "./qrs/server.ts";
export { generateTestCertificates, hasOpenssl, siteCertificatesFrom } from "./qrs/certs.ts";
export type { TestCertificateFiles } from "./qrs/certs.ts";
export type { Site } from "./qrs/model.ts";
export type { Quirks } from "./internal/runtime.ts";
export { defaultQuirks } from "./internal/runtime.ts";
export type { LatencyModel } from "./internal/latency.ts";
export { realisticLatency } from "./internal/latency.ts";
export * from "./kinds.ts";
export { DEMO_SECRETS } from "./fixtures-kinds.ts";
