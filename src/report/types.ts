/**
 * The report of a state (and optionally its plan): what `status`, `report`, `run --report` and
 * `run --json` show. Its JSON form is described by `schemas/report.schema.json`.
 */
import type { ItemAction, ItemStatus, RegionProgress } from "../state/types.js";

/** Bumped when a report field changes meaning or goes away (adding one does not). */
export const REPORT_SCHEMA_VERSION = 1;

/** One target region of an item, as far as the state knows. */
export interface ReportRegion {
  region: string;
  state: RegionProgress["state"];
  /** Replication percentage when Azure reported one, else null. */
  progress: number | null;
}

/** Why an item is failed or blocked, and what to do about it. */
export interface ReportError {
  code: string;
  message: string;
  remedy: string | null;
  /** True when a plain re-run retries it (throttling, 5xx, timeouts). */
  transient: boolean;
}

/** One migration: a target image version. */
export interface ReportItem {
  /** The target version's ARM id (the item's identity). */
  key: string;
  /** The source managed image's ARM id. */
  source: string;
  gallery: string;
  definition: string;
  version: string;
  status: ItemStatus;
  action: ItemAction | null;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** finishedAt − startedAt; for an item still in flight, the time elapsed so far. */
  durationMs: number | null;
  regions: ReportRegion[];
  /** Present for failed and blocked items only. */
  error?: ReportError;
  /** Something the user should know about the item's record (e.g. it is no longer in the plan). */
  note?: string;
}

/** How many items stand where; `inFlight` covers running, submitting, in-flight and verifying. */
export interface ReportCounts {
  total: number;
  done: number;
  failed: number;
  blocked: number;
  inFlight: number;
  pending: number;
}

/** The whole report. */
export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** The plan file: the one given, else the one the state was created for. */
  plan: string;
  stateFile: string | null;
  armEndpoint: string;
  generatedAt: string;
  counts: ReportCounts;
  items: ReportItem[];
}
