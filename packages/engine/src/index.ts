export type * from "./tenant.ts";
