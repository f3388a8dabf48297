import { imageName } from "./format.js";
import type { Report, ReportItem } from "./types.js";

/** Escapes text for XML 1.0 content and attributes, dropping characters XML cannot carry at all. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Attribute values keep their line breaks only when encoded (XML normalises raw ones to spaces). */
function attr(text: string): string {
  return escapeXml(text).replace(/\r/g, "&#13;").replace(/\n/g, "&#10;").replace(/\t/g, "&#9;");
}

function seconds(ms: number | null): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

/**
 * JUnit XML, one testcase per item, for CI dashboards: `done` passes; `failed` and `blocked` are
 * failures (both need attention, and both make the command exit 1); `pending` and in-flight items
 * are skipped, since they have not finished either way.
 */
export function renderJunit(report: Report): string {
  const failures = report.counts.failed + report.counts.blocked;
  const skipped = report.counts.pending + report.counts.inFlight;
  const time = seconds(report.items.reduce((sum, i) => sum + (i.durationMs ?? 0), 0));
  const totals = `tests="${report.counts.total}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="acg-migrate" ${totals}>`,
    `  <testsuite name="${attr(`acg-migrate ${report.plan}`)}" ${totals} timestamp="${attr(report.generatedAt)}">`,
    "    <properties>",
    `      <property name="armEndpoint" value="${attr(report.armEndpoint)}"/>`,
    ...(report.stateFile !== null ? [`      <property name="stateFile" value="${attr(report.stateFile)}"/>`] : []),
    "    </properties>",
  ];
  for (const item of report.items) out.push(...testcase(item));
  out.push("  </testsuite>", "</testsuites>", "");
  return out.join("\n");
}

function testcase(item: ReportItem): string[] {
  const open = `    <testcase classname="${attr(`${item.gallery}.${item.definition}`)}" name="${attr(`${imageName(item)} → ${item.version}`)}" time="${seconds(item.durationMs)}"`;
  if (item.status === "done") return [`${open}/>`];
  if (item.status === "failed" || item.status === "blocked") {
    const code = item.error?.code ?? "Unknown";
    const message = item.error?.message ?? "no error was recorded";
    const body = [message, item.error?.remedy ? `Remedy: ${item.error.remedy}` : undefined, `Source: ${item.source}`, `Target: ${item.key}`, item.note]
      .filter((line): line is string => line !== undefined)
      .join("\n");
    return [
      `${open}>`,
      `      <failure type="${attr(item.status === "blocked" ? `blocked: ${code}` : code)}" message="${attr(message)}">${escapeXml(body)}</failure>`,
      "    </testcase>",
    ];
  }
  const why = item.status === "pending" ? "pending: not started yet" : `in flight (${item.status}): not finished yet`;
  return [`${open}>`, `      <skipped message="${attr(why)}"/>`, "    </testcase>"];
}
