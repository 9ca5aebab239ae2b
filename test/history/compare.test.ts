import { describe, expect, it } from "vitest";
import { compareHistory } from "../../shared/history/compare.ts";
import type { HistoryEntry } from "../../shared/history/types.ts";
import type { MigrationRecord } from "../../shared/snapshot/model.ts";
import { NOW, summary } from "./support.ts";

/** Edge cases of the comparison alone; the tools' rows are read from real tables in the other files. */

const record = (version: string, extra: Partial<MigrationRecord> = {}): MigrationRecord => ({
  file: `V${version}__step.sql`,
  version,
  checksum: `sha256:${"0".repeat(64)}`,
  kind: "versioned",
  description: "step",
  toolChecksum: 10,
  timestamp: null,
  ...extra,
});

const entry = (version: string, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  version,
  kind: "versioned",
  description: "step",
  checksum: 10,
  status: "success",
  effect: "applied",
  installedOn: "2026-01-02T00:00:00.000Z",
  row: `installed_rank ${version}`,
  ...extra,
});

describe("compareHistory", () => {
  it("matches Flyway versions as Flyway does (1.01 = 1.1, 2.0 = 2)", () => {
    const findings = compareHistory([record("1.1"), record("2.0")], [entry("1.01"), entry("2")], {
      format: "flyway",
      now: NOW,
    });
    expect(findings).toEqual([]);
  });

  it("reports an applied failed row no file has as unknown and failed", () => {
    const findings = compareHistory(
      [record("1")],
      [entry("1"), entry("1.5", { status: "failed" })],
      {
        format: "flyway",
        now: NOW,
      },
    );
    expect(summary(findings)).toEqual([
      ["1.5", "unexpected"],
      ["1.5", "changed", "status"],
    ]);
    expect(findings[0]?.actual).toMatchObject({
      status: "failed",
      installedOn: "2026-01-02T00:00:00.000Z",
    });
  });

  it("measures a pending migration's age from its commit date before its timestamp", () => {
    const pending = record("20260119000000", {
      file: "a.up.sql",
      timestamp: "2026-01-19T00:00:00.000Z",
    });
    const byTimestamp = compareHistory([pending], [], { format: "golang-migrate", now: NOW });
    expect(byTimestamp[0]?.evidence).toMatchObject({
      ageDays: 1,
      overdue: false,
      ageFrom: "timestamp",
    });
    const byCommit = compareHistory([pending], [], {
      format: "golang-migrate",
      now: NOW,
      commitDates: { "a.up.sql": "2026-01-12T23:59:59Z" },
      pendingAgeDays: 7,
    });
    expect(byCommit[0]?.evidence).toMatchObject({
      timestamp: "2026-01-12T23:59:59.000Z",
      ageFrom: "commit",
      ageDays: 7,
      overdue: true,
    });
  });

  it("gives no checksum finding for formats without tool checksums", () => {
    const findings = compareHistory(
      [record("20260101000000", { toolChecksum: null })],
      [entry("20260101000000", { checksum: null, row: "version 20260101000000" })],
      { format: "dbmate", now: NOW },
    );
    expect(findings).toEqual([]);
  });

  it("reports golang-migrate's dirty 'no version' (-1) as a status, never as unknown", () => {
    const findings = compareHistory(
      [record("1", { toolChecksum: null })],
      [entry("-1", { effect: "up_to", status: "dirty", checksum: null, row: "version -1" })],
      { format: "golang-migrate", now: NOW },
    );
    expect(summary(findings)).toEqual([
      ["1", "missing"],
      ["-1", "changed", "status"],
    ]);
  });

  it("has nothing to compare for plain SQL", () => {
    expect(compareHistory([record("001_init")], [], { format: "sql", now: NOW })).toEqual([]);
  });
});
