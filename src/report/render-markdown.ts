import { countsLine, formatDuration, imageName, regionsSummary } from "./format.js";
import type { Report, ReportItem } from "./types.js";

/** Escapes text for Markdown (GitHub flavour): no markup, no HTML, no broken table cells. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    // Parentheses, `#`, `+` and `!` only mean something at a line's start or after `]`, which is escaped.
    .replace(/([\\`*_[\]|~])/g, "\\$1")
    .replace(/\r?\n/g, "<br>");
}

/** A Markdown document: heading, counts, one table row per item, then every failed and blocked item in full. */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push("# acg-migrate report", "");
  out.push(`- Plan: ${escapeMarkdown(report.plan)}`);
  if (report.stateFile !== null) out.push(`- State: ${escapeMarkdown(report.stateFile)}`);
  out.push(`- ARM endpoint: ${escapeMarkdown(report.armEndpoint)}`, `- Generated: ${escapeMarkdown(report.generatedAt)}`, "");
  out.push(`**${escapeMarkdown(countsLine(report.counts))}**`, "");
  if (report.items.length > 0) {
    out.push("| Image | Gallery | Definition | Version | Status | Action | Regions | Attempts | Duration |");
    out.push("|---|---|---|---|---|---|---|---:|---:|");
    for (const item of report.items) {
      const cells = [imageName(item), item.gallery, item.definition, item.version, item.status, item.action ?? "-", regionsSummary(item)].map(escapeMarkdown);
      out.push(`| ${cells.join(" | ")} | ${item.attempts} | ${formatDuration(item.durationMs)} |`);
    }
    out.push("");
  }
  const troubled = report.items.filter((i) => i.status === "failed" || i.status === "blocked");
  if (troubled.length > 0) {
    out.push("## Failed and blocked", "");
    for (const item of troubled) out.push(...troubleSection(item));
  }
  const noted = report.items.filter((i) => i.note !== undefined && !troubled.includes(i));
  if (noted.length > 0) {
    out.push("## Notes", "");
    for (const item of noted) out.push(`- ${escapeMarkdown(`${imageName(item)} → ${item.definition}/${item.version}`)}: ${escapeMarkdown(item.note ?? "")}`);
    out.push("");
  }
  return out.join("\n");
}

function troubleSection(item: ReportItem): string[] {
  const lines = [`### ${escapeMarkdown(`${imageName(item)} → ${item.gallery}/${item.definition}/${item.version}`)} (${item.status})`, ""];
  if (item.error) {
    lines.push(`- Error: ${escapeMarkdown(item.error.code)}: ${escapeMarkdown(item.error.message)}`);
    if (item.error.remedy !== null) lines.push(`- Remedy: ${escapeMarkdown(item.error.remedy)}`);
    lines.push(`- Next run: ${nextRun(item)}`);
  } else {
    lines.push("- No error was recorded.");
  }
  lines.push(`- Source: ${escapeMarkdown(item.source)}`, `- Target: ${escapeMarkdown(item.key)}`);
  if (item.note !== undefined) lines.push(`- Note: ${escapeMarkdown(item.note)}`);
  lines.push("");
  return lines;
}

function nextRun(item: ReportItem): string {
  if (item.status === "blocked") return "plans it afresh; fix the cause first";
  return item.error?.transient ? "retries it (the failure was transient)" : "skips it unless the plan entry changes or --retry-failed is given";
}
