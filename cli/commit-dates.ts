import { execFile } from "node:child_process";

/**
 * When each file under `dir` was first committed (the commit that added it, ISO 8601), by path
 * relative to `dir`: what a baseline records so audits can age pending migrations whose
 * versions are not timestamps. Empty outside a git work tree, or when git is not installed.
 */
export function commitDates(dir: string): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    execFile(
      "git",
      [
        "-C",
        dir,
        "log",
        "--diff-filter=A",
        "--format=%x00%cI",
        "--name-only",
        "--relative",
        "--",
        ".",
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (error, stdout) => {
        if (error) {
          resolve({});
          return;
        }
        // Newest commit first: the last date seen for a path is the commit that added it first.
        const dates: Record<string, string> = {};
        for (const block of stdout.split("\0")) {
          const [date, ...paths] = block.split("\n").filter((line) => line.trim() !== "");
          if (date === undefined) continue;
          for (const path of paths) dates[path] = date.trim();
        }
        resolve(dates);
      },
    );
  });
}
