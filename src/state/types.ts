/**
 * The state file's document (DESIGN.md "State"): the contract between `state/` (which stores it
 * crash-safely), `engine/` (which writes transitions) and `report/`, `status`, `plan` (which read it).
 */

export const STATE_SCHEMA_VERSION = 1;

/** Where an item stands. `done` and `blocked`/`failed` are terminal for one run. */
export type ItemStatus =
  | "pending" //      nothing done yet
  | "running" //      definition / gallery steps under way, no version create sent
  | "submitting" //   the version create is about to be sent (made durable BEFORE the PUT)
  | "in-flight" //    the version operation was accepted; `poller` holds the serialized poller
  | "verifying" //    the operation ended; replication status being confirmed
  | "done" //         version Succeeded and replication Completed in every target region
  | "failed" //       this run could not finish it; `lastError` says why, `lastError.transient` whether a re-run retries it
  | "blocked"; //     it cannot run as planned (conflict, incompatible definition, missing source…); `lastError.remedy` says what to do

/** What the run did (or `plan` would do) with an item, in DESIGN.md's words. */
export type ItemAction = "create" | "create-version" | "adopt" | "update" | "done" | "re-attach" | "retry" | "blocked";

export interface ItemError {
  /** The service's error code (`Conflict`, `OperationNotAllowed`…) or ours (`Timeout`, `Interrupted`). */
  code: string;
  message: string;
  /** HTTP status when the error came from an HTTP answer. */
  statusCode?: number;
  /** Transient failures (throttling, 5xx, resets, timeouts) are retried on the next run. */
  transient: boolean;
  /** What the user can do about it. */
  remedy?: string;
}

export interface RegionProgress {
  /** Short region name. */
  region: string;
  state: "Unknown" | "Replicating" | "Completed" | "Failed";
  progress?: number;
  details?: string;
}

export interface ItemState {
  /** The item's identity: the target version's ARM id (Migration.key). */
  key: string;
  /** Migration.fingerprint when this record was last planned. */
  fingerprint: string;
  status: ItemStatus;
  action?: ItemAction;
  /** How many runs started work on it. */
  attempts: number;
  startedAt?: string;
  updatedAt: string;
  finishedAt?: string;
  sourceId: string;
  definitionId: string;
  versionId: string;
  galleryId: string;
  /** Set when `run` created them (not when they pre-existed). */
  createdDefinition?: boolean;
  createdGallery?: boolean;
  /** JSON from `poller.serialize()` of the in-flight version operation; no secrets in it. */
  poller?: string;
  regions?: RegionProgress[];
  lastError?: ItemError;
  /** Set by `cleanup` once the source managed image was deleted. */
  sourceDeletedAt?: string;
}

export interface StateDocument {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  /** ARM endpoint the state belongs to; a resume against another one is refused. */
  armEndpoint: string;
  /** The plan file as given when the state was created. */
  plan: string;
  createdAt: string;
  updatedAt: string;
  /** Keyed by ItemState.key. */
  items: Record<string, ItemState>;
}
