import Table from "cli-table3";
import { countsLine, formatDuration, imageName, problemSummary, regionsSummary, shorten } from "./format.js";
import type { Report } from "./types.js";

/** Column widths (padding included) that, with 7 borders, fit 120 columns. */
const WIDTHS = [22, 26, 11, 16, 9, 29] as const;

/** A plain-text table (one row per item, then the counts line) that stays within 120 columns. */
export function renderTable(report: Report): string {
  const table = new Table({
    head: ["Image", "Definition/version", "Status", "Action", "Regions", "Error or remedy"],
    colWidths: [...WIDTHS],
    wordWrap: true,
    // Colours are the terminal's business; the renderer stays pure and its text comparable.
    style: { head: [], border: [] },
  });
  for (const item of report.items) {
    table.push([
      imageName(item),
      `${item.definition}/${item.version}`,
      item.status,
      item.action ?? "-",
      regionsSummary(item),
      shorten(problemSummary(item), 100),
    ]);
  }
  const lines = [countsLine(report.counts)];
  const elapsed = report.items.filter((i) => i.status === "done" && i.durationMs !== null);
  if (elapsed.length > 0) {
    const slowest = Math.max(...elapsed.map((i) => i.durationMs ?? 0));
    lines.push(`slowest finished item took ${formatDuration(slowest)}`);
  }
  return `${report.items.length > 0 ? `${table.toString()}\n` : ""}${lines.join("\n")}\n`;
}
