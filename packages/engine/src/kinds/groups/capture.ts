/** Groups: one listing, stored as groups.json. */
import { PATHS } from "../../layout.ts";
import { captureList } from "../list.ts";
import type { Capture } from "../read.ts";

export const captureGroups: Capture = (ctx) => captureList(ctx, "groups", PATHS.groups, () => ctx.tenant.listGroups());
