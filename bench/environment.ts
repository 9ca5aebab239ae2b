/** What the bench measures against: the machine, and its pg_dump. */
import { accessSync, constants, existsSync, readFileSync, realpathSync } from "node:fs";
import { cpus } from "node:os";
import { basename, delimiter, join } from "node:path";
import { runCommand } from "./measure.ts";

export function machineName(): { cpu: string; cores: number } {
  let cpu = cpus()[0]?.model?.trim() ?? "";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1]) cpu = match[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return { cpu: cpu || "unknown CPU", cores: cpus().length };
}

export interface PgDump {
  /** The binary that is measured. */
  readonly path: string;
  /** What was found on PATH, when it differs (Debian's pg_wrapper). */
  readonly foundAs: string | undefined;
  readonly version: string;
  readonly major: number;
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * The machine's pg_dump. Debian's /usr/bin/pg_dump is a Perl wrapper (pg_wrapper) that picks a
 * version and execs it: the versioned binary it names is measured instead, so that Perl's
 * start-up is not counted against pg_dump.
 */
export async function findPgDump(): Promise<PgDump | undefined> {
  const found = onPath("pg_dump");
  if (!found) return undefined;
  const result = await runCommand(found, ["--version"]).catch(() => undefined);
  const match = result ? /\(PostgreSQL\)\s+(\d+)(\.\d+)?/.exec(result.stdout) : null;
  if (!match?.[1]) return undefined;
  const major = Number(match[1]);
  const version = `${match[1]}${match[2] ?? ""}`;
  let path = found;
  let foundAs: string | undefined;
  try {
    if (basename(realpathSync(found)) === "pg_wrapper") {
      const direct = `/usr/lib/postgresql/${major}/bin/pg_dump`;
      if (existsSync(direct)) {
        path = direct;
        foundAs = found;
      }
    }
  } catch {
    // keep the PATH entry
  }
  return { path, foundAs, version, major };
}
