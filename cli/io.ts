import { writeFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CliError } from "./errors.ts";
import { isInterrupted } from "./interrupt.ts";

/** Progress for people: short lines on stderr, never on stdout (which carries data). */
export type Log = (line: string) => void;

export const stderrLog: Log = (line) => {
  if (!isInterrupted()) process.stderr.write(`${line}\n`);
};

/** Reads a file the user named; a missing or unreadable file is a one-line error naming it. */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(`${what} ${path} not found`);
    if (code === "EISDIR") throw new CliError(`${what} ${path} is a directory, expected a file`);
    if (code === "EACCES")
      throw new CliError(`${what} ${path} is not readable (permission denied)`);
    throw new CliError(`${what} ${path} could not be read: ${(error as Error).message}`);
  }
}

/** Writes data to `--out FILE` (parent folders created) or to stdout. */
export async function writeOutput(
  text: string,
  out: string | undefined,
  log: Log,
  what: string,
): Promise<void> {
  if (out === undefined || out === "-") {
    process.stdout.write(text);
    return;
  }
  await writeUserFile(out, text, what);
  log(`${what} written to ${out}`);
}

/** Writes `text` to `path` (parent folders created) in as few system calls as its size allows. */
export async function writeUserFile(path: string, text: string, what: string): Promise<void> {
  await writeUserFileWith(path, what, (target) => writeFileSync(target, text));
}

/**
 * Creates the parent folders of `path` and runs `write(path)`; a failure is one line naming
 * the file.
 */
export async function writeUserFileWith(
  path: string,
  what: string,
  write: (path: string) => unknown,
): Promise<void> {
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
    write(path);
  } catch (error) {
    throw new CliError(`could not write ${what} to ${path}: ${(error as Error).message}`);
  }
}

/** Colors for a terminal, unless NO_COLOR is set (https://no-color.org). */
export function useColor(): boolean {
  const noColor = process.env.NO_COLOR;
  return Boolean(process.stdout.isTTY) && (noColor === undefined || noColor === "");
}
