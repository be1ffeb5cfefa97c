/**
 * The tenant's layers beyond apps, spaces and people (issue 12): data connections, data
 * credentials, reload tasks, webhooks, web integrations, CSP origins, automations and automation connections, themes and extensions, collections, brands, glossaries, OAuth clients (management records) and the API-key configuration. Plain data kept in `Tenant.kinds` (optional: state
 * files written before these kinds existed lack it); the REST routes in `rest/` serve them.
 *
 * Secrets (API-FACTS §7) are stored here because Qlik stores them — the emulator must accept
 * them on create/update — but no route ever returns `qUsername`, `qPassword` or a webhook
 * `secret`; `qConnectionSecret` comes back only on a single GET, as the `connectionSecretOnGet`
 * quirk says.
 */
import type { Tenant } from "./model.ts";

export interface DataConnection {
  /** `qID` (== `qEngineObjectID`), a UUID; a client may supply it on create. */
  id: string;
  name: string;
  /** `qType`: the connector, e.g. "QvOdbcConnectorPackage.exe", "QvRestConnector.exe". */
  type: string;
  connectStatement: string;
  datasourceID: string;
  /** Undefined: the owner's personal space. */
  spaceId?: string;
  /** Creator and owner (`user` in responses). */
  ownerId: string;
  logOn: 0 | 1;
  architecture: 0 | 1;
  separateCredentials: boolean;
  credentialsId?: string;
  tags: string[];
  /** Write-only secrets: accepted, never returned (qConnectionSecret: see the quirk). */
  username?: string;
  password?: string;
  connectionSecret?: string;
  created: string;
  updated: string;
}

export interface DataCredential {
  id: string;
  name: string;
  /** `qType`: the connector type of the connections it serves. */
  type: string;
  datasourceID: string;
  /** The user the credential belongs to (credentials are per user). */
  ownerId: string;
  /** Write-only. */
  username: string;
  password: string;
  created: string;
  updated: string;
}

export interface ReloadTask {
  id: string;
  appId: string;
  /** The task's owner (`userId`). */
  userId: string;
  spaceId?: string;
  partial: boolean;
  timeZone: string;
  /** RRULE lines without DTSTART. */
  recurrence: string[];
  startDateTime?: string;
  endDateTime?: string;
  autoReload: boolean;
  autoReloadPartial: boolean;
  state: "Enabled" | "Disabled" | "Completed";
  disabledCode?: "MANUALLY" | "CONSECUTIVE-FAILURES" | "OWNER-DELETED" | "OWNER-DISABLED";
  lastExecutionTime?: string;
  nextExecutionTime?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Webhook {
  id: string;
  name: string;
  description: string;
  url: string;
  eventTypes: string[];
  filter?: string;
  level: "tenant" | "user";
  enabled: boolean;
  headers: Record<string, string>;
  /** Write-only values; responses list the names only. */
  encryptedHeaders: Record<string, string>;
  checkCertificateRevocation: boolean;
  enableCloudEventDelivery: boolean;
  /** Write-only HMAC key (32–64 characters). */
  secret?: string;
  ownerId: string;
  origin: "api" | "automations" | "management-console";
  createdByUserId: string;
  updatedByUserId: string;
  createdAt: string;
  updatedAt: string;
  disabledReason?: string;
  disabledReasonCode?: string;
}

export interface WebIntegration {
  /** Server-generated: a restore gets a new id. */
  id: string;
  name: string;
  validOrigins: string[];
  created: string;
  createdBy: string;
  lastUpdated: string;
}

export interface CspOrigin {
  id: string;
  name: string;
  origin: string;
  description: string;
  directives: Record<
    "childSrc" | "connectSrc" | "connectSrcWSS" | "fontSrc" | "formAction" | "frameAncestors" | "frameSrc" | "imgSrc" | "mediaSrc" | "objectSrc" | "scriptSrc" | "styleSrc" | "workerSrc",
    boolean
  >;
  createdDate: string;
  modifiedDate: string;
}

export interface AutomationSchedule {
  id: string;
  startAt?: string;
  stopAt?: string;
  /** Seconds, a multiple of 60. */
  interval?: number;
  /** RRULE; wins over interval. */
  recurrence?: string;
  timezone: string;
}

export interface Automation {
  id: string;
  name: string;
  description: string;
  /** The editor's JSON (blocks); connections are referenced inside it by id. */
  workspace: Record<string, unknown>;
  schedules: AutomationSchedule[];
  state: "available" | "unavailable" | "disabled";
  /** Read-only, derived from the workspace (rest/automations.ts `runModeOf`). */
  runMode: "manual" | "scheduled" | "triggered" | "webhook";
  maxConcurrentRuns: number;
  ownerId: string;
  /** Undefined: the owner's personal space. */
  spaceId?: string;
  connectorIds: string[];
  /** Server-generated, differs after a restore. */
  executionToken: string;
  lastRunAt?: string;
  lastRunStatus: "failed" | "finished" | "finished with warnings" | "must stop" | "not started" | "running" | "starting" | "stopped";
  createdAt: string;
  updatedAt: string;
}

export interface AutomationConnectionParam {
  id: string;
  name: string;
  /** Write-only when `fieldType` is "password". */
  value: string;
  fieldType: "string" | "password";
  isOptional: boolean;
}

export interface AutomationConnection {
  id: string;
  name: string;
  connectorId: string;
  spaceId?: string;
  ownerId: string;
  params: AutomationConnectionParam[];
  isConnected: boolean;
  /** OAuth connections: the account; they need an interactive re-authorisation to connect. */
  oauthAccountName?: string;
  createdAt: string;
  updatedAt: string;
}

/** A theme or an extension: its model and its uploaded archive (base64, byte for byte). */
export interface ArchiveItem {
  id: string;
  name: string;
  qextFilename: string;
  /** Model fields (type, author, version, qextVersion, icon, …). */
  model: Record<string, unknown>;
  tags: string[];
  dependencies: Record<string, unknown>;
  supernova: boolean;
  archive?: string;
  /** sha256 of the archive. */
  checksum?: string;
  userId: string;
  createdAt: string;
  updatedAt: string;
  /** Soft delete: reads answer 410 Gone. */
  deletedAt?: string;
}

export interface Collection {
  id: string;
  name: string;
  description: string;
  type: "private" | "public" | "favorite" | "publicgoverned";
  creatorId: string;
  updaterId: string;
  /** Catalogue item ids (apps' `itemId`). */
  itemIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** A recipient by user or group id (sharing tasks, data alerts). */
export interface IdRecipient {
  value: string;
  enabled: boolean;
}

/** A recurring sharing task (subscription), API-FACTS §6.15; `@qlik/api` 2.19 sharing-tasks.d.ts. */
export interface SharingTask {
  id: string;
  name: string;
  description: string;
  type: "chart-monitoring" | "chart-sharing" | "sheet-sharing" | "template-sharing";
  /** The app its templates point at (derived from the templates). */
  appId: string;
  spaceId?: string;
  /** `TemplateResult`s as given (they name the app, sheets and objects). */
  templates: Record<string, unknown>[];
  state: Record<string, unknown>;
  recipients: { userIds: IdRecipient[]; groupIds: IdRecipient[]; emailAddresses: string[] };
  scheduleOptions?: Record<string, unknown>;
  trigger?: Record<string, unknown>;
  transportChannels: ("email" | "sharepoint")[];
  tags: string[];
  /** Stored encrypted by Qlik: responses carry `encryptedEmailContent` (ciphers), never this in clear. */
  emailContent?: { subject?: string; body?: string };
  enabledByUser: boolean;
  ownerId: string;
  createdBy: string;
  updatedBy: string;
  dateCreated: string;
  lastUpdated: string;
}

/** A report template with its file (base64, byte for byte), API-FACTS §6.15; `@qlik/api` 2.19 report-templates.d.ts. */
export interface ReportTemplate {
  id: string;
  name: string;
  description: string;
  type: "excel" | "pixelPerfect" | "html" | "powerPoint" | "word";
  sourceAppId: string;
  ownerId: string;
  createdBy: string;
  updatedBy: string;
  file: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * An OAuth client as the management API (`/api/v1/oauth-clients`, API-FACTS §6.23) keeps it.
 * Its id (`clientId`) and secrets are server-generated; a secret is returned once, at create
 * (or by a PATCH that generates one), and reads show only its `hint`. A client the fixture
 * also registers for the token endpoint (`Tenant.oauthClients`, rest/auth.ts) stops getting
 * tokens when it is deleted here.
 */
export interface ManagedOAuthClient {
  clientId: string;
  clientName: string;
  /** Fixed after creation. */
  appType: "web" | "native" | "spa" | "anonymous-embed";
  description?: string;
  clientUri?: string;
  logoUri?: string;
  redirectUris: string[];
  allowedOrigins: string[];
  allowedScopes: string[];
  allowedGrantTypes: ("client_credentials" | "urn:qlik:oauth:user-impersonation")[];
  allowedAuthMethods: ("client_secret" | "private_key_jwt")[];
  /** `private_key_jwt` clients: where their keys are, or the keys (public JWKs: no secret). */
  jwksUri?: string;
  publicKeys?: Record<string, string>[];
  consentMethod?: "required" | "trusted";
  /** The user who created it. */
  ownerId: string;
  /** Write-only: `hint` is the secret's last 4 characters. */
  secrets: { hint: string; secret: string; createdAt: string; createdBy: string }[];
  publishedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** A condition of the condition service (`/api/v1/conditions`), what a data alert evaluates. */
export interface AlertCondition {
  id: string;
  type: "data" | "compound";
  /** The `dataCondition` or `compoundCondition` body as given (its `conditionBase.appId` names the app). */
  body: Record<string, unknown>;
  appId?: string;
  ownerId: string;
  created: string;
  updated: string;
}

/** A data alert (alerting task), API-FACTS §6.15; `@qlik/api` 2.19 data-alerts.d.ts. */
export interface DataAlert {
  id: string;
  name: string;
  description: string;
  appId: string;
  conditionId: string;
  bookmarkId?: string;
  sheetId?: string;
  recipients: { userIds: IdRecipient[]; groupIds: IdRecipient[] };
  triggerType: "RELOAD" | "SCHEDULED";
  scheduleOptions?: Record<string, unknown>;
  throttling?: Record<string, unknown>;
  enabled: boolean;
  ownerId: string;
  dateCreated: string;
  lastUpdated: string;
}

/**
 * A note (API-FACTS §6.16): only a catalogue item (`resourceType: "note"`) — Qlik has no public
 * API that creates or reads one otherwise. Seen by its author only (UNCONFIRMED: the reading
 * that hides the most from a backup).
 */
export interface Note {
  /** The item id (== `resourceId`). */
  id: string;
  name: string;
  description: string;
  ownerId: string;
  spaceId?: string;
  createdAt: string;
  updatedAt: string;
}

/** The tenant's API-key configuration (`/api/v1/api-keys/configs/{tenantId}`, §6.21): a singleton. */
export interface ApiKeysConfig {
  api_keys_enabled: boolean;
  max_keys_per_user: number;
  /** ISO-8601 duration. */
  max_api_key_expiry: string;
  /** ISO-8601 duration. */
  scim_externalClient_expiry: string;
}

/** Qlik's defaults (the 2025 spec's `ApiKeysConfig`). */
export const DEFAULT_API_KEYS_CONFIG: ApiKeysConfig = { api_keys_enabled: false, max_keys_per_user: 5, max_api_key_expiry: "PT24H", scim_externalClient_expiry: "P365D" };
// ---- identity and settings (API-FACTS §6.5, §6.19–6.24)

/**
 * An identity provider (`/api/v1/identity-providers`, @qlik/api 2.19 `identity-providers.d.ts`).
 * `options` / `pendingOptions` are stored as sent, secrets included (OIDC `clientSecret`); no
 * route returns `clientSecret` (API-FACTS §7: assumed write-only).
 */
export interface IdentityProvider {
  id: string;
  protocol: "OIDC" | "SAML" | "jwtAuth" | "qsefw-local-bearer-token";
  provider: "auth0" | "okta" | "qlik" | "generic" | "salesforce" | "keycloak" | "adfs" | "external" | "azureAD";
  interactive: boolean;
  active: boolean;
  description: string;
  clockToleranceSec: number;
  createNewUsersOnLogin?: boolean;
  postLogoutRedirectUri?: string;
  /** Verified configuration (interactive) or the only one (jwtAuth). */
  options?: Record<string, unknown>;
  /** Configuration waiting for an interactive verification in the management console. */
  pendingOptions?: Record<string, unknown>;
  pendingState?: "verified" | "pending" | "error";
  created: string;
  lastUpdated: string;
}

/** An IP policy (`/api/core/ip-policies`, @qlik/api 2.19 `core/ip-policies.d.ts`). */
export interface IpPolicy {
  id: string;
  name: string;
  allowedIps: string[];
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** One user's licence (`/api/v1/licenses/assignments`), keyed by subject. */
export interface LicenseAssignment {
  subject: string;
  /** "professional" | "analyzer" (the allotment). */
  type: string;
  created: string;
  excess: boolean;
}

/** The tenant's settings singletons (tenant flags, tenant-settings, group and licence settings). */
export interface TenantSettingsState {
  /** `PATCH /tenants/{id}` flags (@qlik/api 2.19 `tenants.d.ts` `TenantPatchSchema`). */
  flags: {
    autoAssignCreateSharedSpacesRoleToProfessionals: boolean;
    autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals: boolean;
    autoAssignDataServicesContributorRoleToProfessionals: boolean;
    enableAnalyticCreation: boolean;
    enableAppOpeningFeedback: boolean;
  };
  /** `/api/v1/tenant-settings`; undefined until created (GET answers 404). */
  settings?: {
    id: string;
    customizeNoAccess?: { linkEnabled: boolean; linkLabel?: string; linkUrl?: string; message?: string };
    preferredStartPage?: "analytics-hub" | "data-integration-hub" | "management-console" | "analytics-creation-hub";
    releaseCadence?: "monthly" | "continuous";
    crossRegionDataProcessing?: boolean;
    sessionReplayOptOut?: boolean;
    createdAt: string;
    createdBy: string;
    updatedAt: string;
    updatedBy?: string;
  };
  /** `/api/v1/groups/settings`. */
  groups: { autoCreateGroups: boolean; syncIdpGroups: boolean; everyoneRoles: string[]; everyoneCreatedAt: string; everyoneUpdatedAt: string };
  /** `/api/v1/licenses/settings`. */
  licenses: { autoAssignProfessional: boolean; autoAssignAnalyzer: boolean };
  /** Units per allotment: an add beyond them is refused per user (207). */
  licenseUnits: Record<string, number>;
}

export function defaultTenantSettings(createdAt: string): TenantSettingsState {
  return {
    flags: {
      autoAssignCreateSharedSpacesRoleToProfessionals: true,
      autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals: true,
      autoAssignDataServicesContributorRoleToProfessionals: true,
      enableAnalyticCreation: true,
      enableAppOpeningFeedback: false,
    },
    groups: { autoCreateGroups: true, syncIdpGroups: true, everyoneRoles: [], everyoneCreatedAt: createdAt, everyoneUpdatedAt: createdAt },
    licenses: { autoAssignProfessional: false, autoAssignAnalyzer: false },
    licenseUnits: { professional: 50, analyzer: 200 },
  };
}

/** One of a brand's files (API-FACTS §6.18): its bytes (base64) as uploaded. */
export interface BrandFileItem {
  id: "logo" | "favIcon" | "styles";
  contentType: string;
  data: string;
  eTag: string;
}

/** A brand (`/api/v1/brands`, @qlik/api 2.19 `brands.d.ts`): at most one is active. */
export interface Brand {
  id: string;
  name: string;
  description: string;
  active: boolean;
  files: BrandFileItem[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** A glossary category (`glossaries.d.ts` `Category`). */
export interface GlossaryCategory {
  id: string;
  name: string;
  description: string;
  parentId?: string;
  stewards: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** A link from a term to an app or a data set (`TermLinksTo`). */
export interface GlossaryTermLink {
  id: string;
  resourceId: string;
  resourceType: "app" | "dataset";
  type?: "definition" | "related";
  subResourceId?: string;
  subResourceName?: string;
  subResourceType?: "master_dimension" | "master_measure" | "field";
  createdAt: string;
  createdBy: string;
}

/** A glossary term (`Term`). */
export interface GlossaryTerm {
  id: string;
  name: string;
  abbreviation: string;
  description: string;
  relatedInformation: string;
  tags: string[];
  stewards: string[];
  categories: string[];
  relatesTo: { termId: string; type: string }[];
  links: GlossaryTermLink[];
  revision: number;
  status: { type: "draft" | "verified" | "deprecated"; updatedAt: string; updatedBy: string };
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** A business glossary (`/api/v1/glossaries`, API-FACTS §6.17) with its categories and terms. */
export interface Glossary {
  id: string;
  name: string;
  description: string;
  overview: string;
  /** "" for a personal glossary (the import's "leave blank or omit for personal"). */
  spaceId: string;
  ownerId: string;
  tags: string[];
  termTemplate: { relatedInformation?: string };
  categories: Record<string, GlossaryCategory>;
  terms: Record<string, GlossaryTerm>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface TenantKinds {
  dataConnections: Record<string, DataConnection>;
  dataCredentials: Record<string, DataCredential>;
  reloadTasks: Record<string, ReloadTask>;
  webhooks: Record<string, Webhook>;
  webIntegrations: Record<string, WebIntegration>;
  cspOrigins: Record<string, CspOrigin>;
  automations: Record<string, Automation>;
  automationConnections: Record<string, AutomationConnection>;
  themes: Record<string, ArchiveItem>;
  extensions: Record<string, ArchiveItem>;
  collections: Record<string, Collection>;
  sharingTasks: Record<string, SharingTask>;
  reportTemplates: Record<string, ReportTemplate>;
  conditions: Record<string, AlertCondition>;
  dataAlerts: Record<string, DataAlert>;
  identityProviders: Record<string, IdentityProvider>;
  ipPolicies: Record<string, IpPolicy>;
  /** By subject. */
  licenseAssignments: Record<string, LicenseAssignment>;
  settings: TenantSettingsState;
  /** Management records of OAuth clients, by client id. */
  oauthClients: Record<string, ManagedOAuthClient>;
  apiKeysConfig: ApiKeysConfig;
  brands: Record<string, Brand>;
  glossaries: Record<string, Glossary>;
  notes: Record<string, Note>;
}

export function emptyKinds(): TenantKinds {
  return { dataConnections: {}, dataCredentials: {}, reloadTasks: {}, webhooks: {}, webIntegrations: {}, cspOrigins: {}, automations: {}, automationConnections: {}, themes: {}, extensions: {}, collections: {}, sharingTasks: {}, reportTemplates: {}, conditions: {}, dataAlerts: {}, identityProviders: {}, ipPolicies: {}, licenseAssignments: {}, settings: defaultTenantSettings("2025-01-06T09:00:00.000Z"), oauthClients: {}, apiKeysConfig: { ...DEFAULT_API_KEYS_CONFIG }, brands: {}, glossaries: {}, notes: {} };
}

/** The tenant's kinds, created (and completed) on first use. */
export function kindsOf(tenant: Tenant): TenantKinds {
  tenant.kinds ??= emptyKinds();
  const k = tenant.kinds;
  k.dataConnections ??= {};
  k.dataCredentials ??= {};
  k.reloadTasks ??= {};
  k.webhooks ??= {};
  k.webIntegrations ??= {};
  k.cspOrigins ??= {};
  k.automations ??= {};
  k.automationConnections ??= {};
  k.themes ??= {};
  k.extensions ??= {};
  k.collections ??= {};
  k.sharingTasks ??= {};
  k.reportTemplates ??= {};
  k.conditions ??= {};
  k.dataAlerts ??= {};
  k.oauthClients ??= {};
  k.apiKeysConfig ??= { ...DEFAULT_API_KEYS_CONFIG };
  k.identityProviders ??= {};
  k.ipPolicies ??= {};
  k.licenseAssignments ??= {};
  k.settings ??= defaultTenantSettings("2025-01-06T09:00:00.000Z");
  k.brands ??= {};
  k.glossaries ??= {};
  k.notes ??= {};
  return k;
}
