import { describe, expect, it } from "vitest";
import { EventValidationError } from "../../shared/aws/errors.ts";
import { classifyResults, parseAuditEvent, parseSummarizeEvent } from "../../shared/aws/events.ts";
import { secretArn } from "./support.ts";

const EVENT = {
  environment: "production",
  runId: "nightly-2026-11-25",
  trigger: "schedule",
  target: { host: "db.internal", database: "shop", secretArn: secretArn("prod-db") },
};

function fieldOf(event: unknown): { field: string; message: string } {
  try {
    parseAuditEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    const e = error as EventValidationError;
    return { field: e.field, message: e.message };
  }
  throw new Error("expected the event to be refused");
}

describe("parseAuditEvent", () => {
  it("accepts the agreed shape and keeps the target as given", () => {
    const event = parseAuditEvent({
      ...EVENT,
      requestedBy: "alice",
      target: { ...EVENT.target, port: 6432, schemas: ["public", "billing"] },
    });
    expect(event.target).toEqual({
      host: "db.internal",
      port: 6432,
      database: "shop",
      secretArn: secretArn("prod-db"),
      schemas: ["public", "billing"],
    });
    expect(event.requestedBy).toBe("alice");
  });

  it("accepts IAM auth with a user and a baseline pin", () => {
    const pin = `sha256:${"ab".repeat(32)}`;
    const event = parseAuditEvent({
      ...EVENT,
      target: { host: "h", database: "d", user: "auditor", iamAuth: true, baselinePin: pin },
    });
    expect(event.target.baselinePin).toBe(pin);
  });

  it.each([
    [{ ...EVENT, target: { host: "h", secretArn: secretArn("x") } }, "target.database"],
    [{ ...EVENT, target: { ...EVENT.target, port: 70000 } }, "target.port"],
    [{ ...EVENT, environment: "prod/eu" }, "environment"],
    [{ ...EVENT, runId: undefined }, "runId"],
    [{ ...EVENT, target: { ...EVENT.target, secretArn: "prod-db" } }, "target.secretArn"],
    [{ ...EVENT, target: { ...EVENT.target, baselinePin: "latest" } }, "target.baselinePin"],
  ])("names the bad field (%#: %s)", (event, field) => {
    const refused = fieldOf(event);
    expect(refused.field).toBe(field);
    expect(refused.message).toMatch(
      new RegExp(`^invalid audit event: ${field.replace(".", "\\.")}: `),
    );
  });

  it("requires exactly one of secretArn or iamAuth", () => {
    expect(fieldOf({ ...EVENT, target: { host: "h", database: "d" } }).message).toMatch(
      /exactly one of "secretArn" or "iamAuth"/,
    );
    expect(
      fieldOf({ ...EVENT, target: { ...EVENT.target, iamAuth: true, user: "u" } }).message,
    ).toMatch(/exactly one of/);
  });

  it("requires a user with IAM auth", () => {
    expect(fieldOf({ ...EVENT, target: { host: "h", database: "d", iamAuth: true } })).toEqual({
      field: "target.user",
      message: expect.stringMatching(/needs it to sign the token/),
    });
  });

  it("cannot turn TLS off: an unknown target key is refused", () => {
    const refused = fieldOf({ ...EVENT, target: { ...EVENT.target, ssl: false } });
    expect(refused.field).toBe("target");
    expect(refused.message).toContain('unknown key "ssl"');
  });
});

describe("parseSummarizeEvent and classifyResults", () => {
  it("sorts results, caught failures and malformed entries", () => {
    const event = parseSummarizeEvent({
      runId: "run-1",
      trigger: "schedule",
      results: [
        {
          environment: "production",
          runId: "run-1",
          status: "drift",
          worst: "critical",
          findingCount: 4,
          reportKey: "reports/env=production/date=2026-11-25/run-1.json",
        },
        {
          environment: "staging",
          status: "error",
          error: { Error: "States.Timeout", Cause: "timed out" },
          target: { host: "h" },
        },
        { environment: "qa", status: "clean" },
        "garbage",
      ],
    });

    const items = classifyResults(event.results);

    expect(items.map((item) => item.kind)).toEqual(["result", "caught", "invalid", "invalid"]);
    expect(items[2]).toMatchObject({ environment: "qa", problem: expect.stringMatching(/runId/) });
    expect(items[3]).toMatchObject({ environment: "(results[3], no environment)" });
  });

  it("takes a catch that only added the Step Functions error as a failed audit", () => {
    const items = classifyResults([
      { environment: "qa", runId: "run-1", error: { Error: "Lambda.Unknown", Cause: "boom" } },
      { environment: "uat", status: "error", error: {} },
    ]);
    expect(items.map((item) => item.kind)).toEqual(["caught", "invalid"]);
  });

  it("refuses an event without results, naming the field", () => {
    expect(() => parseSummarizeEvent({ runId: "run-1", trigger: "schedule" })).toThrow(
      /^invalid summarize event: results: /,
    );
  });
});
