import { parseManagedImageId } from "../util/arm-id.js";
import type { ReportCounts, ReportItem } from "./types.js";

/** The source image's name (its id's last segment), which is how users know their images. */
export function imageName(item: Pick<ReportItem, "source">): string {
  return parseManagedImageId(item.source)?.name ?? item.source.split("/").filter(Boolean).at(-1) ?? item.source;
}

/** `3/4`: regions whose replication completed, of those known. */
export function regionsSummary(item: Pick<ReportItem, "regions">): string {
  if (item.regions.length === 0) return "-";
  return `${item.regions.filter((r) => r.state === "Completed").length}/${item.regions.length}`;
}

/** `1h 02m`, `12m 03s`, `45s`: coarse enough to read at a glance. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** One line: `6 items: 3 done, 1 failed, 1 blocked, 0 in flight, 1 pending`. */
export function countsLine(counts: ReportCounts): string {
  const noun = counts.total === 1 ? "item" : "items";
  return `${counts.total} ${noun}: ${counts.done} done, ${counts.failed} failed, ${counts.blocked} blocked, ${counts.inFlight} in flight, ${counts.pending} pending`;
}

/** Cuts text to `max` characters on one line, marking the cut with an ellipsis. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** What the table's last column says: the remedy when there is one (it is what to do), else the error. */
export function problemSummary(item: ReportItem): string {
  if (item.error) return `${item.error.code}: ${item.error.remedy ?? item.error.message}`;
  return item.note ?? "";
}
