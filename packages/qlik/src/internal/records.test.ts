/**
 * Qlik's JSON as real tenants send it → the engine's records. The shapes below are written
 * from responses captured from a real Qlik Cloud tenant (datahub-project/datahub,
 * metadata-ingestion/tests/integration/qlik_sense/test_qlik_sense.py), values invented.
 */
import { describe, expect, it } from "vitest";
import { toSpaceRecord, toUserRecord } from "./records.ts";

describe("records from real tenant shapes", () => {
  it("a user sent with the deprecated `roles` names and no `assignedRoles` keeps its roles", () => {
    const u = toUserRecord({
      id: "6500000000000000000000a1",
      tenantId: "tenant-1",
      status: "active",
      subject: "auth0|abc",
      name: "Jo Doe",
      email: "jo@example.com",
      roles: ["TenantAdmin", "Developer"],
      groups: [],
      createdAt: "2023-12-14T19:42:54.417Z",
      lastUpdatedAt: "2024-01-25T06:28:22.629Z",
      created: "2023-12-14T19:42:54.417Z",
      lastUpdated: "2024-01-25T06:28:22.629Z",
      links: { self: { href: "https://t.us.qlikcloud.com/api/v1/users/6500000000000000000000a1" } },
    });
    expect(u).toEqual({ id: "6500000000000000000000a1", subject: "auth0|abc", name: "Jo Doe", email: "jo@example.com", status: "active", assignedRoles: [{ name: "TenantAdmin" }, { name: "Developer" }], assignedGroups: [] });
  });
  it("`assignedRoles`, when sent, wins over the deprecated `roles`", () => {
    expect(toUserRecord({ id: "u", subject: "s", roles: ["Developer"], assignedRoles: [{ id: "r1", name: "TenantAdmin" }] }).assignedRoles).toEqual([{ id: "r1", name: "TenantAdmin" }]);
  });
  it("a space with an empty description and the owner's empty meta.roles", () => {
    expect(
      toSpaceRecord({ id: "sp1", type: "shared", ownerId: "u1", tenantId: "t", name: "test_space", description: "", meta: { actions: ["create", "delete", "read", "update"], roles: [], assignableRoles: ["consumer"] } }),
    ).toEqual({ id: "sp1", name: "test_space", type: "shared", ownerId: "u1", description: "" });
  });
});
