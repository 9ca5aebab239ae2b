import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { loadIgnoreFile } from "../../shared/config/load.ts";
import { diffSnapshots } from "../../shared/diff/diff.ts";
import { isPostgresUrl } from "../../shared/introspect/connection-errors.ts";
import { versionNotes } from "../../shared/report/audit.ts";
import { buildReport, comparedEnvironment, reportBaseline } from "../../shared/report/build.ts";
import type { Report } from "../../shared/report/model.ts";
import { renderReport } from "../../shared/report/render.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { formatValue, parseCommandArgs, parseFailOn, schemasValue, stringValue } from "../args.ts";
import { databaseTarget } from "../connect.ts";
import { CliError } from "../errors.ts";
import { DIFF_HELP } from "../help.ts";
import { type Log, useColor, writeOutput } from "../io.ts";
import { exitCodeFor, runAudit } from "../run-audit.ts";
import { readSnapshotFile, snapshotDatabase } from "./snapshot.ts";

async function loadSide(
  spec: string,
  role: string,
  schemas: string[] | undefined,
  log: Log,
): Promise<Snapshot> {
  if (isPostgresUrl(spec)) return snapshotDatabase(databaseTarget(spec, role), role, schemas, log);
  return readSnapshotFile(spec, `${role} snapshot file`);
}

export async function diffCommand(argv: readonly string[], log: Log): Promise<number> {
  const args = parseCommandArgs(
    "diff",
    argv,
    {
      format: { type: "string" },
      out: { type: "string" },
      "fail-on": { type: "string" },
      schemas: { type: "string" },
      "ignore-file": { type: "string" },
    },
    2,
  );
  if (args.values.help) {
    process.stdout.write(DIFF_HELP);
    return 0;
  }
  const [from, to] = args.positionals;
  if (from === undefined || to === undefined) {
    throw new CliError(
      "pgdrift diff needs FROM and TO: two snapshot files or postgres:// URLs (see pgdrift diff --help)",
    );
  }
  const format = formatValue(args);
  const failOn = parseFailOn(stringValue(args, "fail-on") ?? "info", "--fail-on");
  const schemas = schemasValue(args);
  if (isPostgresUrl(to)) databaseTarget(to, "TO");
  const ignoreFile = stringValue(args, "ignore-file");
  const ignore = ignoreFile === undefined ? [] : await loadIgnoreFile(ignoreFile);

  const expected = await loadSide(from, "FROM", schemas, log);
  const fromLocation = isPostgresUrl(from) ? databaseTarget(from, "FROM").display : from;
  let report: Report;
  if (isPostgresUrl(to)) {
    const db = databaseTarget(to, "TO");
    report = await runAudit({
      baseline: expected,
      baselineLocation: fromLocation,
      targets: [{ name: db.display, url: to, ...(schemas ? { schemas } : {}) }],
      diffOptions: { ignore },
      trigger: "cli",
      log,
    });
  } else {
    const actual = await readSnapshotFile(to, "TO snapshot file");
    const startedAt = new Date();
    const diff = diffSnapshots(expected.objects, actual.objects, { now: startedAt, ignore });
    report = buildReport({
      runId: randomUUID(),
      trigger: "cli",
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      baseline: reportBaseline(expected, fromLocation),
      environments: [
        comparedEnvironment({
          name: basename(to),
          serverVersion: actual.source.serverVersion,
          findings: diff.findings,
          ignored: diff.ignored,
          notes: [
            ...versionNotes(expected.source.serverVersionNum, actual.source.serverVersionNum),
            ...diff.notes,
            ...diff.expiredIgnoreRules.map(
              (rule) =>
                `ignore rule expired${rule.expires ? ` ${rule.expires}` : ""}, its findings are reported again: ${rule.reason}`,
            ),
          ],
          snapshotDigest: actual.digest,
        }),
      ],
    });
  }
  const color = format === "text" && stringValue(args, "out") === undefined && useColor();
  await writeOutput(
    renderReport(report, format, { color }),
    stringValue(args, "out"),
    log,
    "report",
  );
  return exitCodeFor(report, failOn);
}
