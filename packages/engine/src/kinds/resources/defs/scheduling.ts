/**
 * Scheduling and distribution (API-FACTS §6.14–6.15): reload tasks, sharing tasks
 * (subscriptions), report templates and data alerts. Each belongs to an app: every field that
 * names the app is a reference (`to: "app"`), so a restore points it at the restored app's id
 * and a restore of an app (`--app`) brings back what Qlik's own restore of a deleted app loses
 * (issue 12; restore.ts `selectionOf`). The connector: `@lifeboat/qlik` resources/scheduling.ts.
 *
 * Owners: Qlik makes the restoring user the owner of what it creates; sharing tasks and data
 * alerts are handed to their owner afterwards (`PATCH /ownerId`), reload tasks and report
 * templates cannot be (the step's notes say so).
 */
import type { ResourceRecord } from "@lifeboat/model";
import { resourceKind } from "../kind.ts";

const SCHEDULE_SET = ["scheduleOptions.chronosJobID", "scheduleOptions.lastExecutionTime", "scheduleOptions.nextExecutionTime"];

/**
 * Legacy reload tasks (`/api/v1/reload-tasks`, sunset 2026-09), one schedule per app, named by
 * their app. Qlik drops an app's schedule when the app moves to another space; a restore puts it
 * back on the app. Decision (issue 12): a task comes back in the snapshot's state — an Enabled
 * task whose app's data connections still wait for their secrets fails its runs until they are
 * entered (the checklist names those connections); Lifeboat does not disable it by itself.
 */
export const reloadTasks = resourceKind({
  layer: "reloadTasks",
  noun: "reload task",
  path: "reload-tasks",
  group: "scheduling",
  phase: "after-apps",
  // Named by its app (a task has no name): the same app's schedule in the same space.
  match: "name-in-space",
  where: "the app's details in the hub › Reload schedule",
  restoreNote: "nothing to re-enter; the schedule's owner becomes the restoring user (Qlik's reload-tasks API sets no owner)",
  ownerByCreator: "Qlik's reload-tasks API makes the restoring user the owner of a schedule and has no call to change it (PutTaskBody has no owner)",
  refs: [{ path: "appId", to: "app" }],
  volatile: ["id", "tenantId", "userId", "spaceId", "disabledCode", "migrated", "fortressId", "lastExecutionTime", "nextExecutionTime", "links"],
  classify: () => ({ class: "direct", reason: "its schedule (time zone, recurrence, state) is written back on the restored app" }),
});

/** Which of a sharing task's e-mail fields Qlik holds encrypted (the connector names them). */
const emailSet = (field: string) => (r: ResourceRecord) => r.secrets?.includes(field) ?? false;

/**
 * Sharing tasks (subscriptions, `/api/v1/sharing-tasks`): templates name the app and its
 * sheets/charts (object ids survive an import), recipients by user and group id, a schedule.
 * The e-mail subject and body are stored encrypted by Qlik and never returned in clear
 * (`encryptedEmailContent`, API-FACTS §7): they are asked for at restore like a secret.
 */
export const sharingTasks = resourceKind({
  layer: "sharingTasks",
  noun: "sharing task",
  path: "sharing-tasks",
  group: "scheduling",
  phase: "after-apps",
  match: "id-or-name",
  where: "the hub › the app's sheet › Subscriptions (Management Console › Subscriptions)",
  restoreNote: "the e-mail subject and body of subscriptions that have them (Qlik stores them encrypted)",
  secrets: [
    { field: "emailContent.subject", label: "e-mail subject", when: emailSet("emailContent.subject") },
    { field: "emailContent.body", label: "e-mail body", when: emailSet("emailContent.body") },
  ],
  refs: [
    { path: "appId", to: "app" },
    { path: "templates[].sheetData.appId", to: "app" },
    { path: "templates[].chartData.appId", to: "app" },
    { path: "templates[].storyData.appId", to: "app" },
    { path: "templates[].multiSheetData[].appId", to: "app" },
    { path: "recipients.userIds[].value", to: "user", optional: true },
    { path: "recipients.groupIds[].value", to: "group", optional: true },
    { path: "dataConnectionID", to: "dataConnections", optional: true },
  ],
  volatile: [
    "id",
    "tenant",
    "owner",
    "ownerName",
    "createdBy",
    "updatedBy",
    "dateCreated",
    "lastUpdated",
    "lastRun",
    "lastViewed",
    "lastExecutionDate",
    "nextScheduledRun",
    "statusCode",
    "statusLabel",
    "taskErrors",
    "failedExecutionsCount",
    "failedVerificationsCount",
    "isCandidateForVerification",
    "insightID",
    "insightDirectURL",
    "insightFallbackURL",
    "multiInsightURLs",
    "thumbnail",
    "appName",
    "spaceId",
    "enabledBySystem",
    "enabled",
    "hasSectionAccess",
    "byokMigrationId",
    "selectionErrors",
    "latestExecutionURL",
    "latestExecutionFilesURL",
    "templateId",
    "templates[].templateId",
    "trigger.chronosJobID",
    "recipients.netRecipientCount",
    "recipients.userIds[].enabledBySystem",
    "recipients.userIds[].subscribed",
    "recipients.userIds[].groups",
    "recipients.userIds[].taskRecipientErrors",
    "recipients.userIds[].alertingTaskRecipientErrors",
    "recipients.groupIds[].enabledBySystem",
    "recipients.groupIds[].taskGroupRecipientErrors",
    "recipients.groupIds[].alertingTaskGroupRecipientErrors",
    "recipients.emailAddresses[].taskRecipientErrors",
    ...SCHEDULE_SET,
  ],
  classify: (r) =>
    r.secrets?.length
      ? { class: "input", reason: "its e-mail subject and body are stored encrypted by Qlik and never returned; without them it is created with Qlik's default e-mail" }
      : { class: "direct", reason: "templates, recipients and schedule are written back, pointed at the restored app" },
});

/**
 * Report templates (`/api/v1/report-templates`) with their file, byte for byte: uploaded again
 * and bound to the restored app (`sourceAppAction: "replace"`). A template is scoped to its
 * owner; the restoring user becomes it.
 */
export const reportTemplates = resourceKind({
  layer: "reportTemplates",
  unseen: "report templates may be shown to their owners only (Qlik documents no tenant-admin listing): other users' templates may be missing from this snapshot",
  noun: "report template",
  path: "report-templates",
  group: "scheduling",
  phase: "after-apps",
  match: "id-or-name",
  where: "the hub › the source app › Report templates",
  restoreNote: "nothing to re-enter; a template's owner becomes the restoring user (Qlik's API sets no owner)",
  files: ["template"],
  ownerByCreator: "a report template is scoped to the user who uploads it and Qlik's API has no call to change its owner",
  refs: [{ path: "sourceAppId", to: "app" }],
  volatile: ["id", "ownerId", "createdAt", "createdBy", "updatedAt", "updatedBy", "sourceAppName", "metadataVersion"],
  classify: () => ({ class: "direct", reason: "uploaded again from its file and bound to the restored app" }),
});

const conditionBase = (k: string) => ["id", "created", "createdById", "ownerId", "tenantId", "updated", "lastReloadTime"].map((f) => `condition.${k}.conditionBase.${f}`);

/**
 * Data alerts (`/api/v1/data-alerts`) with the condition they evaluate (`/api/v1/conditions`,
 * stored in `condition`): the condition is created again on the restored app, then the alert,
 * then it is handed to its owner. Compound conditions name other conditions, which are not
 * remapped (a compound alert is restored with the ids it had; UNCONFIRMED whether Qlik accepts
 * them: the step fails with Qlik's reason if not).
 */
export const dataAlerts = resourceKind({
  layer: "dataAlerts",
  unseen: "data alerts may be shown to their owners and recipients only (Qlik documents no tenant-admin listing): other users' alerts may be missing from this snapshot",
  noun: "data alert",
  path: "data-alerts",
  group: "scheduling",
  phase: "after-apps",
  match: "id-or-name",
  where: "the hub › Alerts",
  restoreNote: "nothing to re-enter; recipients of an existing alert cannot be changed through Qlik's API (the step says so)",
  refs: [
    { path: "appId", to: "app" },
    { path: "condition.dataCondition.conditionBase.appId", to: "app" },
    { path: "recipients.userIds[].value", to: "user", optional: true },
    { path: "recipients.groupIds[].value", to: "group", optional: true },
  ],
  volatile: [
    "id",
    "tenantId",
    "ownerId",
    "ownerName",
    "conditionId",
    "dateCreated",
    "lastUpdated",
    "lastScan",
    "lastTrigger",
    "absoluteLastScan",
    "absoluteLastTrigger",
    "errorStatus",
    "evaluationCount",
    "lastEvaluationCountUpdate",
    "lastExecutionStatus",
    "alertingTaskErrors",
    "subscriptionIds",
    "status",
    "accessMode",
    "hasHistoryCondition",
    "recipients.userIds[].subscribed",
    "recipients.userIds[].groups",
    "recipients.userIds[].alertingTaskRecipientErrors",
    "recipients.userIds[].taskRecipientErrors",
    "recipients.groupIds[].alertingTaskGroupRecipientErrors",
    "recipients.groupIds[].taskGroupRecipientErrors",
    "condition.ownerId",
    "condition.tenantId",
    ...conditionBase("dataCondition"),
    ...conditionBase("compoundCondition"),
    ...SCHEDULE_SET,
  ],
  classify: () => ({ class: "direct", reason: "its condition and the alert are created again on the restored app, recipients remapped" }),
});
