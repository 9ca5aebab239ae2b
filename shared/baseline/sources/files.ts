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
