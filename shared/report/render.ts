import type { Report } from "./model.ts";
import { renderJson } from "./render-json.ts";
import { renderMarkdown } from "./render-markdown.ts";
import { renderText } from "./render-text.ts";

export const REPORT_FORMATS = ["text", "json", "markdown"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(
  report: Report,
  format: ReportFormat,
  options: { color?: boolean } = {},
): string {
  switch (format) {
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report);
    case "text":
      return renderText(report, options);
  }
}
