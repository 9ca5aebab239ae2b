import { prettyCanonicalJson } from "../snapshot/canonical.ts";
import type { Report } from "./model.ts";

/** The report file: pretty JSON with keys sorted at every depth, so two runs diff cleanly. */
export function renderJson(report: Report): string {
  return prettyCanonicalJson(report);
}
