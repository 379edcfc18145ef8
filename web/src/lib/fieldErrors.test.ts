import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { fieldErrorsOf, listError, mergeErrors, unplacedError, withConflictOn } from "./fieldErrors";

const problem = new ApiError(422, {
  type: "about:blank",
  title: "Invalid policy",
  status: 422,
  errors: [
    { pointer: "/targets/P1/resolution", message: "a target is 1 to 525600 minutes" },
    { pointer: "/name", message: "too long" },
    { pointer: "/name", message: "not a slug" },
  ],
});

describe("field errors", () => {
  it("keys messages by pointer and joins repeats", () => {
    expect(fieldErrorsOf(problem)).toEqual({
      "/targets/P1/resolution": "a target is 1 to 525600 minutes",
      "/name": "too long; not a slug",
    });
    expect(fieldErrorsOf(new Error("network"))).toEqual({});
  });

  it("leaves in the alert only what no field shows", () => {
    const rest = unplacedError(problem, (p) => p === "/name") as ApiError;
    expect(rest.fieldErrors.map((e) => e.pointer)).toEqual(["/targets/P1/resolution"]);
    expect(rest.problem.title).toBe("Invalid policy");
  });

  it("merges local and server messages", () => {
    expect(mergeErrors({ "/a": "x" }, { "/a": "y", "/b": "z" })).toEqual({ "/a": "x; y", "/b": "z" });
  });
});

describe("withConflictOn", () => {
  it("puts a 409 on the naming field, and nothing else", () => {
    const taken = new ApiError(409, { type: "about:blank", title: "Conflict", status: 409, detail: "team `desk` exists" });
    expect(withConflictOn({}, taken, "/slug")).toEqual({ "/slug": "team `desk` exists" });
    expect(withConflictOn({}, problem, "/slug")).toEqual({});
    expect(withConflictOn({}, null, "/slug")).toEqual({});
  });
});

describe("listError", () => {
  it("gathers the messages about a list and its items, and none of a sibling", () => {
    const errors = { "/scopes": "at least one", "/scopes/1": "unknown scope", "/scopes_extra": "no", "/name": "x" };
    expect(listError(errors, "/scopes")).toBe("at least one; unknown scope");
    expect(listError(errors, "/tags")).toBeUndefined();
  });
});
