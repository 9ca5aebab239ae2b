import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MigrationSourceError } from "../errors.ts";

/** Helpers every migration source needs: listing a folder, reading a file, its checksum. */

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "it does not exist";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a parent is not a folder";
  return error instanceof Error ? error.message : String(error);
}

export interface FolderEntry {
  /** The name inside the folder. */
  readonly name: string;
  /** `dir` joined with the name, for messages and reading. */
  readonly path: string;
  /** File or folder (symbolic links followed); `other` for sockets, broken links, … */
  readonly type: "file" | "folder" | "other";
}

/** The entries of a migrations folder; refuses a missing path or a file with a clear message. */
export async function listFolder(dir: string): Promise<FolderEntry[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch (cause) {
    throw new MigrationSourceError(
      dir,
      `migrations folder ${dir} cannot be read: ${reason(cause)}`,
      {
        cause,
      },
    );
  }
  if (!info.isDirectory()) {
    throw new MigrationSourceError(dir, `migrations folder ${dir} is not a folder`);
  }
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new MigrationSourceError(
      dir,
      `migrations folder ${dir} cannot be listed: ${reason(cause)}`,
      {
        cause,
      },
    );
  }
  return Promise.all(
    entries.map(async (entry): Promise<FolderEntry> => {
      const path = join(dir, entry.name);
      if (entry.isFile()) return { name: entry.name, path, type: "file" };
      if (entry.isDirectory()) return { name: entry.name, path, type: "folder" };
      if (!entry.isSymbolicLink()) return { name: entry.name, path, type: "other" };
      try {
        const target = await stat(path);
        return { name: entry.name, path, type: target.isDirectory() ? "folder" : "file" };
      } catch {
        return { name: entry.name, path, type: "file" };
      }
    }),
  );
}

/** Byte order of the UTF-8 names (what `LC_ALL=C ls` shows), not UTF-16 code-unit order. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export interface MigrationFile {
  /** `sha256:` + hex digest of the bytes on disk. */
  readonly checksum: string;
  /** UTF-8 text, byte order mark removed. */
  readonly sql: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Reads a migration file: checksum of its bytes, and its text. */
export async function readMigrationFile(path: string): Promise<MigrationFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new MigrationSourceError(path, `cannot read migration ${path}: ${reason(cause)}`, {
      cause,
    });
  }
  const checksum = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  let sql: string;
  try {
    sql = utf8.decode(bytes);
  } catch (cause) {
    throw new MigrationSourceError(path, `migration ${path} is not valid UTF-8: save it as UTF-8`, {
      cause,
    });
  }
  return { checksum, sql };
}

/** A file found under a migrations folder, by its path relative to it (`/` separators). */
export interface TreeFile {
  readonly relative: string;
  readonly name: string;
  readonly path: string;
}

/**
 * Every file under `dir`, recursively (tools such as Flyway scan sub-folders), in byte order of
 * the relative paths. Hidden entries (`.git`, `.DS_Store`) and `node_modules` are skipped.
 */
export async function listTree(dir: string, prefix = ""): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  for (const entry of await listFolder(dir)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const relative = `${prefix}${entry.name}`;
    if (entry.type === "folder") files.push(...(await listTree(entry.path, `${relative}/`)));
    else if (entry.type === "file") files.push({ relative, name: entry.name, path: entry.path });
  }
  return files.sort((a, b) => compareBytes(a.relative, b.relative));
}

/** 1-based line of `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Logs the entries a source skipped, once, sorted. */
export function logIgnored(
  options: { readonly log?: (message: string) => void },
  dir: string,
  ignored: readonly string[],
  why: string,
): void {
  if (ignored.length === 0) return;
  const sorted = [...ignored].sort(compareBytes);
  options.log?.(
    `ignored ${sorted.length} ${sorted.length === 1 ? "entry" : "entries"} in ${dir} (${why}): ${sorted.join(", ")}`,
  );
}

/** Refuses two migrations with the same version (or other identity), naming both files. */
export function checkUniqueVersions(
  dir: string,
  migrations: readonly { readonly file: string; readonly version: string }[],
  key: (migration: { readonly file: string; readonly version: string }) => string = (m) =>
    m.version,
  noun = "version",
): void {
  const seen = new Map<string, { readonly file: string; readonly version: string }>();
  for (const migration of migrations) {
    const first = seen.get(key(migration));
    if (first !== undefined) {
      const same =
        migration.version === first.version ? "" : ` (${migration.version} is ${first.version})`;
      throw new MigrationSourceError(
        join(dir, migration.file),
        `two migrations in ${dir} have ${noun} ${first.version}: ${first.file} and ${migration.file}${same}; give each migration its own ${noun}`,
      );
    }
    seen.set(key(migration), migration);
  }
}

/** `no migrations found in DIR (looked for …)`. */
export function noMigrations(dir: string, lookedFor: string): MigrationSourceError {
  return new MigrationSourceError(dir, `no migrations found in ${dir} (looked for ${lookedFor})`);
}
