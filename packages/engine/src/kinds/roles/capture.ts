/** Roles: one listing, stored as roles.json. */
import { PATHS } from "../../layout.ts";
import { captureList } from "../list.ts";
import type { Capture } from "../read.ts";

export const captureRoles: Capture = (ctx) => captureList(ctx, "roles", PATHS.roles, () => ctx.tenant.listRoles());
