import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, expect } from "vitest";
import { MigrationSourceError } from "../../shared/baseline/errors.ts";

/**
 * Temporary migration folders for one test file, removed after each test: `folder(files)`
 * writes `{ "path/in/folder.sql": content }` (subfolders made as needed) and returns the path.
 */
export function temporaryFolders(prefix: string) {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return async function folder(files: Record<string, string | Buffer> = {}): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `pgdrift-${prefix}-`));
    made.push(dir);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    return dir;
  };
}

/** The MigrationSourceError a promise rejects with (the test fails if it resolves or throws another). */
export async function sourceError(promise: Promise<unknown>): Promise<MigrationSourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationSourceError);
  return error as MigrationSourceError;
}
