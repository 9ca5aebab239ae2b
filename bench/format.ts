/** How the bench prints its figures. */
import { type Summary, summarize } from "./measure.ts";

export interface Figures {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly peakRssKb?: number | null;
}

export interface Outcome<T> {
  readonly figures?: T;
  readonly error?: string;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function millis(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function mib(kb: number | null | undefined): string {
  return kb === null || kb === undefined ? "n/a" : `${Math.round(kb / 1024)} MiB`;
}

export function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const LABEL = 30;
export const COLUMN = 12;

export function row(label: string, cells: readonly string[]): string {
  return `${label.padEnd(LABEL)}${cells.map((c) => c.padStart(COLUMN)).join("")}`.trimEnd();
}

export function figuresRow(
  label: string,
  outcome: Outcome<Figures>,
  unit: (ms: number) => string,
): string {
  if (!outcome.figures) return `${label.padEnd(LABEL)}${outcome.error ?? "not measured"}`;
  const f = outcome.figures;
  const rss = f.peakRssKb === undefined ? "" : mib(f.peakRssKb);
  return row(label, [unit(f.median), unit(f.min), unit(f.max), rss]);
}

export function statsOf(values: readonly number[], peaks?: readonly (number | null)[]): Figures {
  const s: Summary = summarize(values);
  if (!peaks) return s;
  const known = peaks.filter((p): p is number => p !== null);
  return { ...s, peakRssKb: known.length > 0 ? Math.max(...known) : null };
}
