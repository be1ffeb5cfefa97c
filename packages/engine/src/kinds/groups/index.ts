/** Groups in `ls`/`show`/`diff`: the records of groups.json, by id. */
import { PATHS } from "../../layout.ts";
import { listIndex } from "../list-index.ts";

export const groupsIndex = listIndex(PATHS.groups);
