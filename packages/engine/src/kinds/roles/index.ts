/** Roles in `ls`/`show`/`diff`: the records of roles.json, by id. */
import { PATHS } from "../../layout.ts";
import { listIndex } from "../list-index.ts";

export const rolesIndex = listIndex(PATHS.roles);
