import { describe, expect, it } from "vitest";
import { stateSteps } from "./writer.ts";

describe("stateSteps", () => {
  const st = (published: boolean, approved: boolean) => ({ published, approved });
  it("publishes before approving and unapproves before unpublishing", () => {
    expect(stateSteps(st(false, false), st(true, true))).toEqual(["publish", "approve"]);
    expect(stateSteps(st(true, true), st(false, false))).toEqual(["unApprove", "unPublish"]);
    expect(stateSteps(st(true, true), st(true, false))).toEqual(["unApprove"]);
    expect(stateSteps(st(false, false), st(true, false))).toEqual(["publish"]);
    expect(stateSteps(st(true, false), st(false, false))).toEqual(["unPublish"]);
  });
  it("does nothing when the state already matches", () => {
    for (const s of [st(false, false), st(true, false), st(true, true)]) expect(stateSteps(s, s)).toEqual([]);
  });
  it("reads approved-but-unpublished as approved", () => {
    expect(stateSteps(st(false, false), st(false, true))).toEqual(["publish", "approve"]);
  });
});
