import type { Report } from "./types.js";

/** The report as indented JSON (schemas/report.schema.json), newline-terminated. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
