/**
 * Every REST operation Lifeboat calls, with its rate-limit tier — taken from
 * `shared/qlik-cloud/operations.tsv` (sources: Qlik's OpenAPI specs with `x-qlik-tier`)
 * for exactly these rows, and committed as code. `surface.test.ts` checks this table and
 * `docs/qlik-surface.md` against that file and the OpenAPI spec.
 *
 * Tiers (docs/qlik-surface.md, "Rate limits, retries, errors"): "1" = 1,000 requests/min, "2" = 100/min, "special" = the limit
 * in the row, each with a bucket of its own.
 */

export interface OperationInfo {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with the `/api` prefix, as `operations.tsv` writes it. */
  path: string;
  tier: "1" | "2" | "special";
  perMinute: number;
  /** The `@qlik/api` function (or "fetch" where we go around it, with the reason in the code). */
  qlikApi: string;
}

export const OPERATIONS = {
  // --- authentication (OAuth M2M only; API keys need no call) ---
  oauthToken: { method: "POST", path: "/oauth/token", tier: "2", perMinute: 100, qlikApi: "auth.getAccessToken (oauth2 module, noCache)" },
  // --- reads (backup) ---
  getMyUser: { method: "GET", path: "/api/v1/users/me", tier: "1", perMinute: 1000, qlikApi: "users.getMyUser" },
  getUsers: { method: "GET", path: "/api/v1/users", tier: "1", perMinute: 1000, qlikApi: "users.getUsers" },
  getGroups: { method: "GET", path: "/api/v1/groups", tier: "1", perMinute: 1000, qlikApi: "groups.getGroups" },
  getRoles: { method: "GET", path: "/api/v1/roles", tier: "1", perMinute: 1000, qlikApi: "roles.getRoles" },
  getSpaces: { method: "GET", path: "/api/v1/spaces", tier: "1", perMinute: 1000, qlikApi: "spaces.getSpaces" },
  getSpaceAssignments: { method: "GET", path: "/api/v1/spaces/{spaceId}/assignments", tier: "1", perMinute: 1000, qlikApi: "spaces.getSpaceAssignments" },
  getItems: { method: "GET", path: "/api/v1/items", tier: "1", perMinute: 1000, qlikApi: "items.getItems" },
  getAppInfo: { method: "GET", path: "/api/v1/apps/{appId}", tier: "1", perMinute: 1000, qlikApi: "apps.getAppInfo" },
  getAppScript: { method: "GET", path: "/api/v1/apps/{appId}/scripts/{id}", tier: "1", perMinute: 1000, qlikApi: "apps.getAppScript" },
  getAppScriptHistory: { method: "GET", path: "/api/v1/apps/{appId}/scripts", tier: "1", perMinute: 1000, qlikApi: "apps.getAppScriptHistory" },
  exportApp: { method: "POST", path: "/api/v1/apps/{appId}/export", tier: "2", perMinute: 100, qlikApi: "apps.exportApp" },
  // Deletion events of apps (§6.1b; the "Tenant Admin or Audit Admin role"): which apps are soft-deleted and until when.
  getAudits: { method: "GET", path: "/api/v1/audits", tier: "special", perMinute: 1000, qlikApi: "audits.getAudits" },
  downloadTempFile: { method: "GET", path: "/api/v1/temp-contents/{id}", tier: "1", perMinute: 1000, qlikApi: "fetch (streamed; temp-contents.downloadTempFile buffers)" },
  // --- writes (restore) ---
  createUser: { method: "POST", path: "/api/v1/users", tier: "2", perMinute: 100, qlikApi: "users.createUser" },
  createSpace: { method: "POST", path: "/api/v1/spaces", tier: "2", perMinute: 100, qlikApi: "spaces.createSpace" },
  createSpaceAssignment: { method: "POST", path: "/api/v1/spaces/{spaceId}/assignments", tier: "2", perMinute: 100, qlikApi: "spaces.createSpaceAssignment" },
  patchSpace: { method: "PATCH", path: "/api/v1/spaces/{spaceId}", tier: "2", perMinute: 100, qlikApi: "spaces.patchSpace" },
  uploadTempFile: { method: "POST", path: "/api/v1/temp-contents", tier: "2", perMinute: 100, qlikApi: "tempContents.uploadTempFile" },
  importApp: { method: "POST", path: "/api/v1/apps/import", tier: "2", perMinute: 100, qlikApi: "apps.importApp" },
  updateAppOwner: { method: "PUT", path: "/api/v1/apps/{appId}/owner", tier: "2", perMinute: 100, qlikApi: "apps.updateAppOwner" },
  updateAppObjectOwner: {
    method: "POST",
    path: "/api/v1/apps/{appId}/objects/{objectId}/actions/change-owner",
    tier: "2",
    perMinute: 100,
    qlikApi: "apps.updateAppObjectOwner",
  },
  publishApp: { method: "POST", path: "/api/v1/apps/{appId}/publish", tier: "2", perMinute: 100, qlikApi: "apps.publishApp" },
  republishApp: { method: "PUT", path: "/api/v1/apps/{appId}/publish", tier: "2", perMinute: 100, qlikApi: "apps.republishApp" },
  moveAppToSpace: { method: "PUT", path: "/api/v1/apps/{appId}/space", tier: "2", perMinute: 100, qlikApi: "apps.moveAppToSpace" },
  removeAppFromSpace: { method: "DELETE", path: "/api/v1/apps/{appId}/space", tier: "2", perMinute: 100, qlikApi: "apps.removeAppFromSpace" },
  copyApp: { method: "POST", path: "/api/v1/apps/{appId}/copy", tier: "2", perMinute: 100, qlikApi: "apps.copyApp" },
  deleteApp: { method: "DELETE", path: "/api/v1/apps/{appId}", tier: "2", perMinute: 100, qlikApi: "apps.deleteApp" },
  updateAppScript: { method: "POST", path: "/api/v1/apps/{appId}/scripts", tier: "2", perMinute: 100, qlikApi: "apps.updateAppScript" },
  // --- integration kinds (resources/integration.ts; tiers from operations.tsv) ---
  getWebhooks: { method: "GET", path: "/api/v1/webhooks", tier: "1", perMinute: 1000, qlikApi: "webhooks.getWebhooks" },
  getWebhook: { method: "GET", path: "/api/v1/webhooks/{id}", tier: "1", perMinute: 1000, qlikApi: "webhooks.getWebhook" },
  createWebhook: { method: "POST", path: "/api/v1/webhooks", tier: "2", perMinute: 100, qlikApi: "webhooks.createWebhook" },
  patchWebhook: { method: "PATCH", path: "/api/v1/webhooks/{id}", tier: "2", perMinute: 100, qlikApi: "webhooks.patchWebhook" },
  updateWebhook: { method: "PUT", path: "/api/v1/webhooks/{id}", tier: "2", perMinute: 100, qlikApi: "webhooks.updateWebhook" },
  getWebIntegrations: { method: "GET", path: "/api/v1/web-integrations", tier: "1", perMinute: 1000, qlikApi: "webIntegrations.getWebIntegrations" },
  getWebIntegration: { method: "GET", path: "/api/v1/web-integrations/{id}", tier: "1", perMinute: 1000, qlikApi: "webIntegrations.getWebIntegration" },
  createWebIntegration: { method: "POST", path: "/api/v1/web-integrations", tier: "2", perMinute: 100, qlikApi: "webIntegrations.createWebIntegration" },
  patchWebIntegration: { method: "PATCH", path: "/api/v1/web-integrations/{id}", tier: "2", perMinute: 100, qlikApi: "webIntegrations.patchWebIntegration" },
  getCSPEntries: { method: "GET", path: "/api/v1/csp-origins", tier: "1", perMinute: 1000, qlikApi: "cspOrigins.getCSPEntries" },
  getCSPEntry: { method: "GET", path: "/api/v1/csp-origins/{id}", tier: "1", perMinute: 1000, qlikApi: "cspOrigins.getCSPEntry" },
  createCSPEntry: { method: "POST", path: "/api/v1/csp-origins", tier: "2", perMinute: 100, qlikApi: "cspOrigins.createCSPEntry" },
  updateCSPEntry: { method: "PUT", path: "/api/v1/csp-origins/{id}", tier: "2", perMinute: 100, qlikApi: "cspOrigins.updateCSPEntry" },
  getOAuthClients: { method: "GET", path: "/api/v1/oauth-clients", tier: "1", perMinute: 1000, qlikApi: "oauthClients.getOAuthClients" },
  getOAuthClient: { method: "GET", path: "/api/v1/oauth-clients/{id}", tier: "1", perMinute: 1000, qlikApi: "oauthClients.getOAuthClient" },
  createOAuthClient: { method: "POST", path: "/api/v1/oauth-clients", tier: "2", perMinute: 100, qlikApi: "oauthClients.createOAuthClient" },
  patchOAuthClient: { method: "PATCH", path: "/api/v1/oauth-clients/{id}", tier: "2", perMinute: 100, qlikApi: "oauthClients.patchOAuthClient" },
  publishOAuthClient: { method: "POST", path: "/api/v1/oauth-clients/{id}/actions/publish", tier: "2", perMinute: 100, qlikApi: "oauthClients.publishOAuthClient" },
  getApiKeysConfig: { method: "GET", path: "/api/v1/api-keys/configs/{tenantId}", tier: "1", perMinute: 1000, qlikApi: "apiKeys.getApiKeysConfig" },
  patchApiKeysConfig: { method: "PATCH", path: "/api/v1/api-keys/configs/{tenantId}", tier: "2", perMinute: 100, qlikApi: "apiKeys.patchApiKeysConfig" },
  // Not in the 2025 spec: qlik.dev changelog 225 (June 2026), @qlik/api 2.19 analytics/apps.js `restoreApp`; Tier 2 per qlik.dev/apis/rest/analytics/apps.
  restoreApp: { method: "POST", path: "/api/analytics/apps/{appId}/actions/restore", tier: "2", perMinute: 100, qlikApi: "analytics.apps.restoreApp" },
  // --- resource kinds: data connections and data credentials (API-FACTS §6.6–6.7; @qlik/api 2.19 data-connections, data-credentials) ---
  getDataConnections: { method: "GET", path: "/api/v1/data-connections", tier: "1", perMinute: 1000, qlikApi: "dataConnections.getDataConnections" },
  getDataConnection: { method: "GET", path: "/api/v1/data-connections/{qID}", tier: "1", perMinute: 1000, qlikApi: "dataConnections.getDataConnection" },
  createDataConnection: { method: "POST", path: "/api/v1/data-connections", tier: "2", perMinute: 100, qlikApi: "dataConnections.createDataConnection" },
  updateDataConnection: { method: "PUT", path: "/api/v1/data-connections/{qID}", tier: "2", perMinute: 100, qlikApi: "dataConnections.updateDataConnection" },
  patchDataConnection: { method: "PATCH", path: "/api/v1/data-connections/{qID}", tier: "2", perMinute: 100, qlikApi: "dataConnections.patchDataConnection" },
  // Admin bulk change of owner and/or space (207 with a status per connection).
  updateDataConnections: { method: "POST", path: "/api/v1/data-connections/actions/update", tier: "2", perMinute: 100, qlikApi: "dataConnections.updateDataConnections" },
  getDataCredential: { method: "GET", path: "/api/v1/data-credentials/{qID}", tier: "1", perMinute: 1000, qlikApi: "dataCredentials.getDataCredential" },
  // --- resource kinds: automation connections and automations (API-FACTS §6.9; @qlik/api 2.19 automation-connections, automations) ---
  getAutomationConnections: { method: "GET", path: "/api/v1/automation-connections", tier: "1", perMinute: 1000, qlikApi: "automationConnections.getAutomationConnections" },
  getAutomationConnection: { method: "GET", path: "/api/v1/automation-connections/{id}", tier: "1", perMinute: 1000, qlikApi: "automationConnections.getAutomationConnection" },
  createAutomationConnection: { method: "POST", path: "/api/v1/automation-connections", tier: "2", perMinute: 100, qlikApi: "automationConnections.createAutomationConnection" },
  updateAutomationConnection: { method: "PUT", path: "/api/v1/automation-connections/{id}", tier: "2", perMinute: 100, qlikApi: "automationConnections.updateAutomationConnection" },
  changeOwnerAutomationConnection: {
    method: "POST",
    path: "/api/v1/automation-connections/{id}/actions/change-owner",
    tier: "2",
    perMinute: 100,
    qlikApi: "automationConnections.changeOwnerAutomationConnection",
  },
  changeSpaceAutomationConnection: {
    method: "POST",
    path: "/api/v1/automation-connections/{id}/actions/change-space",
    tier: "2",
    perMinute: 100,
    qlikApi: "automationConnections.changeSpaceAutomationConnection",
  },
  getAutomations: { method: "GET", path: "/api/v1/automations", tier: "1", perMinute: 1000, qlikApi: "automations.getAutomations" },
  getAutomation: { method: "GET", path: "/api/v1/automations/{id}", tier: "1", perMinute: 1000, qlikApi: "automations.getAutomation" },
  createAutomation: { method: "POST", path: "/api/v1/automations", tier: "2", perMinute: 100, qlikApi: "automations.createAutomation" },
  updateAutomation: { method: "PUT", path: "/api/v1/automations/{id}", tier: "2", perMinute: 100, qlikApi: "automations.updateAutomation" },
  // Not in the 2025 spec (which has the legacy `/move`); operations.tsv row from api-evangelist's automations spec, @qlik/api 2.19 `changeOwnerAutomation`.
  changeOwnerAutomation: { method: "POST", path: "/api/v1/automations/{id}/actions/change-owner", tier: "2", perMinute: 100, qlikApi: "automations.changeOwnerAutomation" },
  changeSpaceAutomation: { method: "POST", path: "/api/v1/automations/{id}/actions/change-space", tier: "2", perMinute: 100, qlikApi: "automations.changeSpaceAutomation" },
  enableAutomation: { method: "POST", path: "/api/v1/automations/{id}/actions/enable", tier: "2", perMinute: 100, qlikApi: "automations.enableAutomation" },
  disableAutomation: { method: "POST", path: "/api/v1/automations/{id}/actions/disable", tier: "2", perMinute: 100, qlikApi: "automations.disableAutomation" },
  // --- scheduling and distribution (resources/scheduling.ts; API-FACTS §6.14–6.15) ---
  getReloadTasks: { method: "GET", path: "/api/v1/reload-tasks", tier: "1", perMinute: 1000, qlikApi: "reloadTasks.getReloadTasks" },
  getReloadTask: { method: "GET", path: "/api/v1/reload-tasks/{taskId}", tier: "1", perMinute: 1000, qlikApi: "reloadTasks.getReloadTask" },
  createReloadTask: { method: "POST", path: "/api/v1/reload-tasks", tier: "2", perMinute: 100, qlikApi: "reloadTasks.createReloadTask" },
  updateReloadTask: { method: "PUT", path: "/api/v1/reload-tasks/{taskId}", tier: "2", perMinute: 100, qlikApi: "reloadTasks.updateReloadTask" },
  getSharingTasks: { method: "GET", path: "/api/v1/sharing-tasks", tier: "1", perMinute: 1000, qlikApi: "sharingTasks.getSharingTasks" },
  getSharingTask: { method: "GET", path: "/api/v1/sharing-tasks/{taskId}", tier: "1", perMinute: 1000, qlikApi: "sharingTasks.getSharingTask" },
  createSharingTask: { method: "POST", path: "/api/v1/sharing-tasks", tier: "2", perMinute: 100, qlikApi: "sharingTasks.createSharingTask" },
  patchSharingTask: { method: "PATCH", path: "/api/v1/sharing-tasks/{taskId}", tier: "2", perMinute: 100, qlikApi: "sharingTasks.patchSharingTask" },
  getReportTemplates: { method: "GET", path: "/api/v1/report-templates", tier: "1", perMinute: 1000, qlikApi: "reportTemplates.getReportTemplates" },
  getReportTemplate: { method: "GET", path: "/api/v1/report-templates/{id}", tier: "1", perMinute: 1000, qlikApi: "reportTemplates.getReportTemplate" },
  downloadReportTemplate: { method: "POST", path: "/api/v1/report-templates/{id}/actions/download", tier: "2", perMinute: 100, qlikApi: "reportTemplates.downloadReportTemplate" },
  createReportTemplate: { method: "POST", path: "/api/v1/report-templates", tier: "2", perMinute: 100, qlikApi: "reportTemplates.createReportTemplate" },
  updateReportTemplate: { method: "PUT", path: "/api/v1/report-templates/{id}", tier: "2", perMinute: 100, qlikApi: "reportTemplates.updateReportTemplate" },
  getDataAlerts: { method: "GET", path: "/api/v1/data-alerts", tier: "1", perMinute: 1000, qlikApi: "dataAlerts.getDataAlerts" },
  getDataAlert: { method: "GET", path: "/api/v1/data-alerts/{alertId}", tier: "1", perMinute: 1000, qlikApi: "dataAlerts.getDataAlert" },
  getDataAlertCondition: { method: "GET", path: "/api/v1/data-alerts/{alertId}/condition", tier: "1", perMinute: 1000, qlikApi: "dataAlerts.getDataAlertCondition" },
  createDataAlert: { method: "POST", path: "/api/v1/data-alerts", tier: "2", perMinute: 100, qlikApi: "dataAlerts.createDataAlert" },
  patchDataAlert: { method: "PATCH", path: "/api/v1/data-alerts/{alertId}", tier: "2", perMinute: 100, qlikApi: "dataAlerts.patchDataAlert" },
  createCondition: { method: "POST", path: "/api/v1/conditions", tier: "2", perMinute: 100, qlikApi: "conditions.createCondition" },
  patchCondition: { method: "PATCH", path: "/api/v1/conditions/{id}", tier: "2", perMinute: 100, qlikApi: "conditions.patchCondition" },
  deleteCondition: { method: "DELETE", path: "/api/v1/conditions/{id}", tier: "2", perMinute: 100, qlikApi: "conditions.deleteCondition" },
  // --- organisation (resources/organisation.ts; API-FACTS §6.16): tags are collections of type `public` ---
  getCollections: { method: "GET", path: "/api/v1/collections", tier: "1", perMinute: 1000, qlikApi: "collections.getCollections" },
  getCollection: { method: "GET", path: "/api/v1/collections/{collectionId}", tier: "1", perMinute: 1000, qlikApi: "collections.getCollection" },
  getFavoritesCollection: { method: "GET", path: "/api/v1/collections/favorites", tier: "1", perMinute: 1000, qlikApi: "collections.getFavoritesCollection" },
  getCollectionItems: { method: "GET", path: "/api/v1/collections/{collectionId}/items", tier: "1", perMinute: 1000, qlikApi: "collections.getCollectionItems" },
  createCollection: { method: "POST", path: "/api/v1/collections", tier: "2", perMinute: 100, qlikApi: "collections.createCollection" },
  updateCollection: { method: "PUT", path: "/api/v1/collections/{collectionId}", tier: "2", perMinute: 100, qlikApi: "collections.updateCollection" },
  patchCollection: { method: "PATCH", path: "/api/v1/collections/{collectionId}", tier: "2", perMinute: 100, qlikApi: "collections.patchCollection" },
  addCollectionItem: { method: "POST", path: "/api/v1/collections/{collectionId}/items", tier: "2", perMinute: 100, qlikApi: "collections.addCollectionItem" },
  deleteCollectionItem: { method: "DELETE", path: "/api/v1/collections/{collectionId}/items/{itemId}", tier: "2", perMinute: 100, qlikApi: "collections.deleteCollectionItem" },
  // --- identity and settings (issue 12; resources/identity.ts). Tiers from operations.tsv; the
  // rows it marks INFERRED (tenant-settings writes, ip-policies but PATCH) are Qlik's usual
  // pattern (GET Tier 1, writes Tier 2), UNCONFIRMED.
  getRole: { method: "GET", path: "/api/v1/roles/{id}", tier: "1", perMinute: 1000, qlikApi: "roles.getRole" },
  createRole: { method: "POST", path: "/api/v1/roles", tier: "2", perMinute: 100, qlikApi: "roles.createRole" },
  patchRole: { method: "PATCH", path: "/api/v1/roles/{id}", tier: "2", perMinute: 100, qlikApi: "roles.patchRole" },
  patchUser: { method: "PATCH", path: "/api/v1/users/{userId}", tier: "2", perMinute: 100, qlikApi: "users.patchUser" },
  patchGroup: { method: "PATCH", path: "/api/v1/groups/{groupId}", tier: "2", perMinute: 100, qlikApi: "groups.patchGroup" },
  getGroupsSettings: { method: "GET", path: "/api/v1/groups/settings", tier: "1", perMinute: 1000, qlikApi: "groups.getGroupsSettings" },
  patchGroupsSettings: { method: "PATCH", path: "/api/v1/groups/settings", tier: "2", perMinute: 100, qlikApi: "groups.patchGroupsSettings" },
  getIdps: { method: "GET", path: "/api/v1/identity-providers", tier: "1", perMinute: 1000, qlikApi: "identityProviders.getIdps" },
  getIdp: { method: "GET", path: "/api/v1/identity-providers/{id}", tier: "1", perMinute: 1000, qlikApi: "identityProviders.getIdp" },
  createIdp: { method: "POST", path: "/api/v1/identity-providers", tier: "2", perMinute: 100, qlikApi: "identityProviders.createIdp" },
  patchIdp: { method: "PATCH", path: "/api/v1/identity-providers/{id}", tier: "2", perMinute: 100, qlikApi: "identityProviders.patchIdp" },
  getMyTenant: { method: "GET", path: "/api/v1/tenants/me", tier: "1", perMinute: 1000, qlikApi: "tenants.getMyTenant" },
  patchTenant: { method: "PATCH", path: "/api/v1/tenants/{tenantId}", tier: "2", perMinute: 100, qlikApi: "tenants.patchTenant" },
  getTenantSettings: { method: "GET", path: "/api/v1/tenant-settings", tier: "1", perMinute: 1000, qlikApi: "tenantSettings.getTenantSettings" },
  createTenantSettings: { method: "POST", path: "/api/v1/tenant-settings", tier: "2", perMinute: 100, qlikApi: "tenantSettings.createTenantSettings" },
  updateTenantSettings: { method: "PATCH", path: "/api/v1/tenant-settings", tier: "2", perMinute: 100, qlikApi: "tenantSettings.updateTenantSettings" },
  getLicenseSettings: { method: "GET", path: "/api/v1/licenses/settings", tier: "1", perMinute: 1000, qlikApi: "licenses.getLicenseSettings" },
  updateLicenseSettings: { method: "PUT", path: "/api/v1/licenses/settings", tier: "2", perMinute: 100, qlikApi: "licenses.updateLicenseSettings" },
  getLicenseAssignments: { method: "GET", path: "/api/v1/licenses/assignments", tier: "1", perMinute: 1000, qlikApi: "licenses.getLicenseAssignments" },
  addLicenseAssignments: { method: "POST", path: "/api/v1/licenses/assignments/actions/add", tier: "2", perMinute: 100, qlikApi: "licenses.addLicenseAssignments" },
  updateLicenseAssignments: { method: "POST", path: "/api/v1/licenses/assignments/actions/update", tier: "2", perMinute: 100, qlikApi: "licenses.updateLicenseAssignments" },
  getIpPolicies: { method: "GET", path: "/api/core/ip-policies", tier: "1", perMinute: 1000, qlikApi: "core.ipPolicies.getIpPolicies" },
  createIpPolicy: { method: "POST", path: "/api/core/ip-policies", tier: "2", perMinute: 100, qlikApi: "core.ipPolicies.createIpPolicy" },
  patchIpPolicy: { method: "PATCH", path: "/api/core/ip-policies/{id}", tier: "2", perMinute: 100, qlikApi: "core.ipPolicies.patchIpPolicy" },
  // --- appearance and knowledge (issue 12: resources/appearance.ts, resources/knowledge.ts) ---
  getThemes: { method: "GET", path: "/api/v1/themes", tier: "1", perMinute: 1000, qlikApi: "themes.getThemes" },
  downloadTheme: { method: "GET", path: "/api/v1/themes/{id}/file", tier: "1", perMinute: 1000, qlikApi: "themes.downloadTheme" },
  uploadTheme: { method: "POST", path: "/api/v1/themes", tier: "2", perMinute: 100, qlikApi: "themes.uploadTheme" },
  patchTheme: { method: "PATCH", path: "/api/v1/themes/{id}", tier: "2", perMinute: 100, qlikApi: "themes.patchTheme" },
  getExtensions: { method: "GET", path: "/api/v1/extensions", tier: "1", perMinute: 1000, qlikApi: "extensions.getExtensions" },
  downloadExtension: { method: "GET", path: "/api/v1/extensions/{id}/file", tier: "1", perMinute: 1000, qlikApi: "extensions.downloadExtension" },
  uploadExtension: { method: "POST", path: "/api/v1/extensions", tier: "2", perMinute: 100, qlikApi: "extensions.uploadExtension" },
  patchExtension: { method: "PATCH", path: "/api/v1/extensions/{id}", tier: "2", perMinute: 100, qlikApi: "extensions.patchExtension" },
  getBrands: { method: "GET", path: "/api/v1/brands", tier: "1", perMinute: 1000, qlikApi: "brands.getBrands" },
  getBrand: { method: "GET", path: "/api/v1/brands/{brand-id}", tier: "1", perMinute: 1000, qlikApi: "brands.getBrand" },
  getBrandFile: { method: "GET", path: "/api/v1/brands/{brand-id}/files/{brand-file-id}", tier: "1", perMinute: 1000, qlikApi: "brands.getBrandFile (fetch when the answer is parsed JSON, not bytes)" },
  createBrand: { method: "POST", path: "/api/v1/brands", tier: "2", perMinute: 100, qlikApi: "brands.createBrand" },
  patchBrand: { method: "PATCH", path: "/api/v1/brands/{brand-id}", tier: "2", perMinute: 100, qlikApi: "brands.patchBrand" },
  activateBrand: { method: "POST", path: "/api/v1/brands/{brand-id}/actions/activate", tier: "2", perMinute: 100, qlikApi: "brands.activateBrand" },
  deactivateBrand: { method: "POST", path: "/api/v1/brands/{brand-id}/actions/deactivate", tier: "2", perMinute: 100, qlikApi: "brands.deactivateBrand" },
  createBrandFile: { method: "POST", path: "/api/v1/brands/{brand-id}/files/{brand-file-id}", tier: "2", perMinute: 100, qlikApi: "brands.createBrandFile" },
  updateBrandFile: { method: "PUT", path: "/api/v1/brands/{brand-id}/files/{brand-file-id}", tier: "2", perMinute: 100, qlikApi: "brands.updateBrandFile" },
  deleteBrandFile: { method: "DELETE", path: "/api/v1/brands/{brand-id}/files/{brand-file-id}", tier: "2", perMinute: 100, qlikApi: "brands.deleteBrandFile" },
  getGlossaries: { method: "GET", path: "/api/v1/glossaries", tier: "1", perMinute: 1000, qlikApi: "glossaries.getGlossaries" },
  exportGlossary: { method: "GET", path: "/api/v1/glossaries/{id}/actions/export", tier: "1", perMinute: 1000, qlikApi: "glossaries.exportGlossary" },
  getGlossaryCategories: { method: "GET", path: "/api/v1/glossaries/{id}/categories", tier: "1", perMinute: 1000, qlikApi: "glossaries.getGlossaryCategories" },
  getGlossaryTerms: { method: "GET", path: "/api/v1/glossaries/{id}/terms", tier: "1", perMinute: 1000, qlikApi: "glossaries.getGlossaryTerms" },
  importGlossary: { method: "POST", path: "/api/v1/glossaries/actions/import", tier: "2", perMinute: 100, qlikApi: "glossaries.importGlossary" },
  updateGlossary: { method: "PUT", path: "/api/v1/glossaries/{id}", tier: "2", perMinute: 100, qlikApi: "glossaries.updateGlossary" },
  createGlossaryCategory: { method: "POST", path: "/api/v1/glossaries/{id}/categories", tier: "2", perMinute: 100, qlikApi: "glossaries.createGlossaryCategory" },
  updateGlossaryCategory: { method: "PUT", path: "/api/v1/glossaries/{id}/categories/{categoryId}", tier: "2", perMinute: 100, qlikApi: "glossaries.updateGlossaryCategory" },
  deleteGlossaryCategory: { method: "DELETE", path: "/api/v1/glossaries/{id}/categories/{categoryId}", tier: "2", perMinute: 100, qlikApi: "glossaries.deleteGlossaryCategory" },
  createGlossaryTerm: { method: "POST", path: "/api/v1/glossaries/{id}/terms", tier: "2", perMinute: 100, qlikApi: "glossaries.createGlossaryTerm" },
  updateGlossaryTerm: { method: "PUT", path: "/api/v1/glossaries/{id}/terms/{termId}", tier: "2", perMinute: 100, qlikApi: "glossaries.updateGlossaryTerm" },
  deleteGlossaryTerm: { method: "DELETE", path: "/api/v1/glossaries/{id}/terms/{termId}", tier: "2", perMinute: 100, qlikApi: "glossaries.deleteGlossaryTerm" },
  changeGlossaryTermStatus: { method: "POST", path: "/api/v1/glossaries/{id}/terms/{termId}/actions/change-status", tier: "2", perMinute: 100, qlikApi: "glossaries.changeGlossaryTermStatus" },
} as const satisfies Record<string, OperationInfo>;

export type OperationName = keyof typeof OPERATIONS;

/** The limiter bucket of an operation: its tier, or a bucket of its own for special limits. */
export function bucketOf(op: OperationInfo): string {
  return op.tier === "special" ? `special:${op.method} ${op.path}` : op.tier;
}

/** Published per-minute limit of a bucket. */
export function publishedPerMinute(bucket: string): number {
  if (bucket === "1") return 1000;
  if (bucket === "2") return 100;
  const op = Object.values(OPERATIONS as Record<string, OperationInfo>).find((o) => bucketOf(o) === bucket);
  return op?.perMinute ?? 100;
}
