/**
 * Wall time and peak memory of a child process, and small statistics helpers.
 *
 * Peak memory is the child's peak resident set size (RSS, the kernel's high-water mark), measured
 * one of two ways, chosen once by `detectMemoryMethod()`:
 * - `gnu-time`: the child runs under `/usr/bin/time -f %M -o FILE`; %M is the child's maximum
 *   resident set size in kB, from the kernel's rusage at exit (exact).
 * - `proc-poll`: the child runs directly and `/proc/<pid>/status` VmHWM (the kernel's RSS
 *   high-water mark) is read every 10 ms until it exits; the last value read is kept. Growth in
 *   the child's last ≤ 10 ms is missed.
 * Wall time is measured here in either case, from spawn to exit.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type MemoryMethod = "gnu-time" | "proc-poll" | "none";

export const GNU_TIME = "/usr/bin/time";
export const POLL_INTERVAL_MS = 10;

export function describeMemoryMethod(method: MemoryMethod): string {
  switch (method) {
    case "gnu-time":
      return `${GNU_TIME} -f %M (the child's maximum resident set size, from the kernel at exit)`;
    case "proc-poll":
      return `/proc/<pid>/status VmHWM polled every ${POLL_INTERVAL_MS} ms until exit (last value kept)`;
    default:
      return "not measured (neither /usr/bin/time nor /proc available)";
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ChildMeasurement extends RunResult {
  readonly wallMs: number;
  /** Peak RSS in kB, or null when it could not be measured. */
  readonly peakRssKb: number | null;
}

export interface ChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const MAX_CAPTURE = 64 * 1024;

function capture(stream: NodeJS.ReadableStream | null, sink: { text: string }): void {
  stream?.on("data", (chunk: Buffer) => {
    if (sink.text.length < MAX_CAPTURE) sink.text += chunk.toString();
  });
}

/** Runs a command to completion, capturing (the start of) its output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const out = { text: "" };
    const err = { text: "" };
    capture(child.stdout, out);
    capture(child.stderr, err);
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout: out.text, stderr: err.text }),
    );
  });
}

/** GNU time with `-o` when it works, else /proc polling when /proc exists. */
export async function detectMemoryMethod(): Promise<MemoryMethod> {
  if (existsSync(GNU_TIME)) {
    try {
      const probe = await runCommand(GNU_TIME, [
        "-f",
        "%M",
        "-o",
        "/dev/null",
        process.execPath,
        "-e",
        "",
      ]);
      if (probe.code === 0) return "gnu-time";
    } catch {
      // not GNU time (busybox has no -o): fall through
    }
  }
  return existsSync(`/proc/${process.pid}/status`) ? "proc-poll" : "none";
}

function readVmHwmKb(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null; // exited between two polls
  }
}

/** The last line of GNU time's output file is the %M figure (earlier lines: exit status notes). */
function parseGnuTimeKb(text: string): number | null {
  const lines = text.trim().split("\n");
  const last = lines[lines.length - 1]?.trim() ?? "";
  return /^\d+$/.test(last) ? Number(last) : null;
}

/** Runs `command args` once, measuring wall time and peak RSS with `method`. */
export async function measureChild(
  command: string,
  args: readonly string[],
  method: MemoryMethod,
  options: ChildOptions = {},
): Promise<ChildMeasurement> {
  const dir = method === "gnu-time" ? await mkdtemp(join(tmpdir(), "pgdrift-bench-time-")) : null;
  const timeFile = dir ? join(dir, "rss") : null;
  try {
    const [file, argv] =
      timeFile !== null
        ? [GNU_TIME, ["-f", "%M", "-o", timeFile, "--", command, ...args]]
        : [command, [...args]];
    let lastHwm: number | null = null;
    const result = await new Promise<RunResult & { wallMs: number }>((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn(file, argv, { ...options, stdio: ["ignore", "pipe", "pipe"] });
      let wallMs = 0;
      const out = { text: "" };
      const err = { text: "" };
      capture(child.stdout, out);
      capture(child.stderr, err);
      const pid = child.pid;
      const timer =
        method === "proc-poll" && pid !== undefined
          ? setInterval(() => {
              lastHwm = readVmHwmKb(pid) ?? lastHwm;
            }, POLL_INTERVAL_MS)
          : undefined;
      child.on("exit", () => {
        wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (timer) clearInterval(timer);
      });
      child.on("error", (error) => {
        if (timer) clearInterval(timer);
        reject(error);
      });
      child.on("close", (code, signal) =>
        resolve({ code, signal, stdout: out.text, stderr: err.text, wallMs }),
      );
    });
    let peakRssKb: number | null = null;
    if (timeFile !== null)
      peakRssKb = parseGnuTimeKb(await readFile(timeFile, "utf8").catch(() => ""));
    else if (method === "proc-poll") peakRssKb = lastHwm;
    return { ...result, peakRssKb };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` and returns its result and wall time in ms. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summarize: no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    median,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    runs: sorted.length,
  };
}
