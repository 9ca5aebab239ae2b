import { describeConnectionError } from "../../shared/introspect/connection-errors.ts";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import {
  createSnapshot,
  parseSnapshot,
  type SnapshotInput,
  serializeSnapshot,
  writeSnapshotFile,
} from "../../shared/snapshot/snapshot.ts";
import { parseCommandArgs, requireValue, schemasValue, stringValue } from "../args.ts";
import {
  CONNECT_TIMEOUT_MS,
  type DatabaseTarget,
  databaseTarget,
  openConnection,
} from "../connect.ts";
import { CliError } from "../errors.ts";
import { heapKeeper, keepingHeap } from "../heap.ts";
import { SNAPSHOT_HELP } from "../help.ts";
import { type Log, readUserFile, writeOutput, writeUserFileWith } from "../io.ts";

/** Connects, introspects and closes; a failure is one line naming `label` and the server. */
export async function snapshotDatabase(
  db: DatabaseTarget,
  label: string,
  schemas: readonly string[] | undefined,
  log: Log,
): Promise<Snapshot> {
  return createSnapshot(await readDatabase(db, label, schemas, log));
}

/** What a snapshot of the database holds, before its digest is computed. */
async function readDatabase(
  db: DatabaseTarget,
  label: string,
  schemas: readonly string[] | undefined,
  log: Log,
): Promise<SnapshotInput> {
  log(`reading ${db.display}…`);
  let connection: Awaited<ReturnType<typeof openConnection>> | undefined;
  try {
    connection = await openConnection(db.url);
    const keep = heapKeeper();
    const result = await introspect(
      keepingHeap(connection.client, keep),
      schemas ? { schemas } : {},
    );
    // What the read left behind goes before the snapshot is encoded and written.
    keep(true);
    return {
      createdAt: new Date().toISOString(),
      source: {
        kind: "database",
        serverVersion: result.serverVersion,
        serverVersionNum: result.serverVersionNum,
        database: result.database,
        host: db.target.host,
      },
      scope: { schemas: schemas ? [...schemas] : null },
      objects: result.objects,
    };
  } catch (error) {
    const described = describeConnectionError(error, {
      environment: label,
      target: db.target,
      secrets: db.secrets,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    throw new CliError(described.message);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** A snapshot file (`what` says which role it plays: `baseline`, `FROM`…). */
export async function readSnapshotFile(path: string, what: string): Promise<Snapshot> {
  const text = await readUserFile(path, what);
  return parseSnapshot(text, path);
}

export async function snapshotCommand(argv: readonly string[], log: Log): Promise<number> {
  const args = parseCommandArgs("snapshot", argv, {
    url: { type: "string" },
    schemas: { type: "string" },
    out: { type: "string" },
  });
  if (args.values.help) {
    process.stdout.write(SNAPSHOT_HELP);
    return 0;
  }
  const db = databaseTarget(requireValue(args, "url", "snapshot"), "--url");
  const input = await readDatabase(db, "--url", schemasValue(args), log);
  const out = stringValue(args, "out");
  if (out === undefined || out === "-") {
    await writeOutput(serializeSnapshot(createSnapshot(input)), out, log, "snapshot");
    return 0;
  }
  // A file: encoded, hashed and written in one pass, never held whole in memory.
  await writeUserFileWith(out, "snapshot", (path) => writeSnapshotFile(path, input));
  log(`snapshot written to ${out}`);
  return 0;
}
