/** The report: built from a state (and plan) by a pure function, rendered by pure renderers. */
export { buildReport, countItems, isInFlight } from "./build-report.js";
export { renderJson } from "./render-json.js";
export { renderJunit, escapeXml } from "./render-junit.js";
export { renderMarkdown, escapeMarkdown } from "./render-markdown.js";
export { renderTable } from "./render-table.js";
export type { Report, ReportCounts, ReportError, ReportItem, ReportRegion } from "./types.js";
export { REPORT_SCHEMA_VERSION } from "./types.js";
