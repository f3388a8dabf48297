import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { applyJournal, checkDocument, checkItem, loadStateSchema, parseDocument, parseJournal } from "./document.js";
import type { JournalEntry } from "./document.js";
import { acquireLock } from "./lock.js";
import type { HeldLock } from "./lock.js";
import { STATE_SCHEMA_VERSION } from "./types.js";
import type { ItemState, StateDocument } from "./types.js";

/** Options of `StateStore.open`. */
export interface StateStoreOptions {
  /** The ARM endpoint of this run: recorded on creation, and a state of another endpoint is refused. */
  armEndpoint: string;
  /** The plan file as given, recorded on creation. */
  plan: string;
  now?: () => Date;
  /** Journal lines between automatic checkpoints (default 200), so replay on open stays short. */
  checkpointEvery?: number;
  /** Called with each notice as it happens (a stale lock taken over, an orphaned journal set aside). */
  onNotice?: (message: string) => void;
}

const PRIVATE = 0o600;

interface WriteOp {
  kind: "write";
  build: (current: (key: string) => ItemState | undefined) => { entry?: JournalEntry; result: unknown };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
type QueuedOp = WriteOp | { kind: "checkpoint"; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * The crash-safe, locked state of one plan (DESIGN.md "State"): every write is appended to
 * `<path>.journal` and fsynced before it resolves; checkpoints replace the document atomically.
 */
export class StateStore {
  /** The state file's path as given. */
  readonly path: string;
  /** What the caller should tell the user about opening (stale lock taken over, …). */
  readonly notices: readonly string[];
  readonly #doc: StateDocument;
  readonly #journal: FileHandle;
  readonly #lock: HeldLock;
  readonly #now: () => Date;
  readonly #checkpointEvery: number;
  readonly #onNotice: ((message: string) => void) | undefined;
  readonly #queue: QueuedOp[] = [];
  #draining: Promise<void> | undefined;
  #linesSinceCheckpoint = 0;
  #broken: unknown;
  #closed = false;
  #abandoned = false;
  #closing: Promise<void> | undefined;

  private constructor(path: string, doc: StateDocument, journal: FileHandle, lock: HeldLock, notices: string[], options: StateStoreOptions) {
    this.path = path;
    this.#doc = doc;
    this.#journal = journal;
    this.#lock = lock;
    this.notices = notices;
    this.#now = options.now ?? (() => new Date());
    this.#checkpointEvery = Math.max(1, options.checkpointEvery ?? 200);
    this.#onNotice = options.onNotice;
  }

  /** Opens (creating if missing) the state at `path`, takes the lock, applies the journal. */
  static async open(path: string, options: StateStoreOptions): Promise<StateStore> {
    return asInputError(path, "open", () => StateStore.#open(path, options));
  }

  static async #open(path: string, options: StateStoreOptions): Promise<StateStore> {
    const now = options.now ?? (() => new Date());
    const notices: string[] = [];
    const notice = (message: string): void => {
      notices.push(message);
      options.onNotice?.(message);
    };
    await loadStateSchema();
    await mkdir(dirname(path), { recursive: true });
    const lock = acquireLock(`${path}.lock`, path, now);
    if (lock.notice) notice(lock.notice);
    let journal: FileHandle | undefined;
    try {
      await removeLeftoverTemporaries(path);
      const journalPath = `${path}.journal`;
      let doc = await readDocument(path);
      if (doc) {
        if (normaliseEndpoint(doc.armEndpoint) !== normaliseEndpoint(options.armEndpoint)) {
          throw new InputError(
            `state ${path} belongs to ARM endpoint ${doc.armEndpoint}; this run targets ${options.armEndpoint} ` +
              `(use --state to keep a separate state per endpoint, or the --arm-endpoint the state was written for)`,
          );
        }
        doc = applyJournal(doc, parseJournal(await readIfExists(journalPath), journalPath));
        await checkDocument(doc, path);
      } else {
        const at = now().toISOString();
        doc = { schemaVersion: STATE_SCHEMA_VERSION, armEndpoint: options.armEndpoint, plan: options.plan, createdAt: at, updatedAt: at, items: {} };
        // A journal without its document belongs to a state someone deleted: keep it, but aside.
        if ((await readIfExists(journalPath)).trim() !== "") {
          const aside = `${journalPath}.orphaned-${at.replace(/[:.]/g, "-")}`;
          await rename(journalPath, aside);
          notice(`set aside ${journalPath} as ${aside}: it has no state document ${path} to belong to`);
        }
      }
      journal = await open(journalPath, "a", PRIVATE);
      await makePrivate(journal);
      // Records are frozen: a caller changing one in place would change the view but not the file.
      for (const item of Object.values(doc.items)) deepFreeze(item);
      const store = new StateStore(path, doc, journal, lock, notices, options);
      // Folding the journal now also drops a torn last line, so later appends start on a clean line.
      await store.#writeDocument();
      return store;
    } catch (error: unknown) {
      await journal?.close().catch(() => undefined);
      lock.release();
      throw error;
    }
  }

  /** The current view, journal applied; do not mutate it (write through put/patch/remove). */
  get document(): Readonly<StateDocument> {
    return this.#doc;
  }

  /** One item's record, if the state has it (frozen: change it with put or patch). */
  get(key: string): ItemState | undefined {
    return this.#doc.items[key];
  }

  /** Every item's record, in insertion order. */
  items(): ItemState[] {
    return Object.values(this.#doc.items);
  }

  /** Durable before it resolves: appended to `<path>.journal` and fsynced. Calls are serialized in call order. */
  put(item: ItemState): Promise<void> {
    // What the journal will hold, exactly: JSON drops undefined fields at every depth.
    const record = jsonCopy(item);
    return this.#submit<void>(() => {
      checkItem(record);
      return { entry: { op: "put", at: this.#now().toISOString(), item: record }, result: undefined };
    });
  }

  /** Merges `patch` into the item `key` (which must exist), sets `updatedAt`, and makes it durable. */
  patch(key: string, patch: Partial<ItemState>): Promise<ItemState> {
    const changes = jsonCopy(patch);
    // A field patched to undefined is removed, so `{ poller: undefined }` clears it.
    const cleared = Object.keys(patch).filter((name) => (patch as Record<string, unknown>)[name] === undefined && name !== "key");
    return this.#submit<ItemState>((current) => {
      const previous = current(key);
      if (!previous) throw new Error(`state ${this.path} has no item ${key} to patch`);
      const at = this.#now().toISOString();
      const merged: ItemState = { ...previous, ...changes, key, updatedAt: at };
      for (const name of cleared) delete (merged as unknown as Record<string, unknown>)[name];
      checkItem(merged);
      return { entry: { op: "put", at, item: merged }, result: jsonCopy(merged) };
    });
  }

  /** Removes an item's record durably (no-op when absent). */
  remove(key: string): Promise<void> {
    return this.#submit<void>((current) => ({
      ...(current(key) ? { entry: { op: "remove", at: this.#now().toISOString(), key } as const } : {}),
      result: undefined,
    }));
  }

  /** Rewrites the document atomically (tmp in same dir, fsync, rename, fsync dir), mode 0600, then truncates the journal. */
  checkpoint(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`state ${this.path} is closed`));
    return this.#schedule({ kind: "checkpoint" });
  }

  /** checkpoint + release the lock; idempotent. */
  close(): Promise<void> {
    if (this.#abandoned) return Promise.resolve();
    this.#closing ??= (async () => {
      // Queued behind every pending write; runs even when a journal append failed, since the
      // in-memory view only ever holds what was made durable, and rewriting it heals the journal.
      const finished = this.#schedule({ kind: "checkpoint" });
      this.#closed = true;
      try {
        await finished;
        await this.#journal.close();
        await unlink(`${this.path}.journal`).catch(() => undefined);
      } finally {
        this.#lock.release();
      }
    })();
    return this.#closing;
  }

  /** Releases the lock without checkpointing (for a second Ctrl-C: the journal already holds everything). */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    this.#closed = true;
    this.#lock.release();
    void this.#journal.close().catch(() => undefined);
  }

  #submit<T>(build: (current: (key: string) => ItemState | undefined) => { entry?: JournalEntry; result: T }): Promise<T> {
    // Checked when called, not when run: writes queued before close() still complete.
    if (this.#closed) return Promise.reject(new Error(`state ${this.path} is closed`));
    return this.#schedule<T>({ kind: "write", build });
  }

  #schedule<T>(op: { kind: "checkpoint" } | { kind: "write"; build: (current: (key: string) => ItemState | undefined) => { entry?: JournalEntry; result: T } }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...op, resolve: resolve as (value: unknown) => void, reject } as QueuedOp);
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining) return;
    // Started on a microtask, so that writes issued in the same tick share one fsync.
    this.#draining = Promise.resolve()
      .then(() => this.#drain())
      .catch((error: unknown) => {
        // Only a bug of ours gets here; fail what waits rather than leave it hanging.
        this.#broken ??= error;
        for (const op of this.#queue.splice(0)) op.reject(error);
      })
      .finally(() => {
        this.#draining = undefined;
        // An op queued after the loop's last look but before this point would otherwise wait forever.
        if (this.#queue.length > 0) this.#kick();
      });
  }

  /**
   * Works through the queue in call order. Consecutive writes form one batch: each is computed
   * against the view including the batch's earlier writes, then all are appended with ONE write
   * and ONE fsync (group commit), applied to the view, and only then resolved.
   */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === "checkpoint") {
        this.#queue.shift();
        await this.#writeDocument().then(head.resolve, head.reject);
        continue;
      }
      const batch: WriteOp[] = [];
      while (this.#queue[0]?.kind === "write") batch.push(this.#queue.shift() as WriteOp);
      if (this.#broken !== undefined) {
        const error = new Error(`state ${this.path} cannot be written: an earlier write failed`, { cause: this.#broken });
        for (const op of batch) op.reject(error);
        continue;
      }
      const overlay = new Map<string, ItemState | undefined>();
      const current = (key: string): ItemState | undefined => (overlay.has(key) ? overlay.get(key) : this.#doc.items[key]);
      const entries: JournalEntry[] = [];
      const outcomes: { op: WriteOp; ok: boolean; value: unknown }[] = [];
      for (const op of batch) {
        try {
          const { entry, result } = op.build(current);
          if (entry) {
            entries.push(entry);
            overlay.set(entry.op === "put" ? entry.item.key : entry.key, entry.op === "put" ? entry.item : undefined);
          }
          outcomes.push({ op, ok: true, value: result });
        } catch (error: unknown) {
          outcomes.push({ op, ok: false, value: error });
        }
      }
      if (entries.length > 0) {
        try {
          await this.#journal.write(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
          await this.#journal.datasync();
        } catch (error: unknown) {
          // The lines may be torn; appending after them would damage the journal's middle.
          this.#broken = error;
          for (const op of batch) op.reject(error);
          continue;
        }
        for (const entry of entries) if (entry.op === "put") deepFreeze(entry.item);
        applyJournal(this.#doc, entries);
        this.#linesSinceCheckpoint += entries.length;
      }
      if (this.#linesSinceCheckpoint >= this.#checkpointEvery) {
        try {
          await this.#writeDocument();
        } catch (error: unknown) {
          // The entries are durable in the journal; a failed checkpoint only means a longer replay.
          this.#onNotice?.(`could not checkpoint ${this.path}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      for (const { op, ok, value } of outcomes) (ok ? op.resolve : op.reject)(value);
    }
  }

  async #writeDocument(): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await unlink(tmp).catch(() => undefined);
    const handle = await open(tmp, "wx", PRIVATE);
    try {
      await handle.writeFile(`${JSON.stringify(this.#doc, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    await syncDirectory(dirname(this.path));
    await this.#journal.truncate(0);
    await this.#journal.sync();
    this.#linesSinceCheckpoint = 0;
  }
}

/** Reads the state without locking (status, report, plan): document + journal; undefined when the file does not exist. */
export async function readState(path: string): Promise<StateDocument | undefined> {
  return asInputError(path, "read", () => readStateFiles(path));
}

async function readStateFiles(path: string): Promise<StateDocument | undefined> {
  // A checkpoint between reading the document and its journal would hide the entries it folded
  // in; the document's inode changes on every checkpoint, so read again when it did.
  for (let attempt = 0; ; attempt++) {
    const before = await inodeOf(path);
    const doc = await readDocument(path);
    if (!doc) return undefined;
    const journalPath = `${path}.journal`;
    const entries = parseJournal(await readIfExists(journalPath), journalPath);
    if (attempt < 5 && (await inodeOf(path)) !== before) continue;
    applyJournal(doc, entries);
    await checkDocument(doc, path);
    return doc;
  }
}

async function readDocument(path: string): Promise<StateDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error: unknown) {
    if (isCode(error, "ENOENT")) return undefined;
    if (isCode(error, "EISDIR")) throw new InputError(`state ${path} is a directory, not a state file`);
    throw error;
  }
  return parseDocument(text, path);
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error: unknown) {
    if (isCode(error, "ENOENT")) return "";
    throw error;
  }
}

async function inodeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).ino;
  } catch {
    return undefined;
  }
}

/** Temporaries of checkpoints that a crash interrupted; only the lock holder writes them, so any left are dead. */
async function removeLeftoverTemporaries(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const dir = dirname(path);
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && /^\d+\.tmp$/.test(name.slice(prefix.length))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** A journal created by an older version, or copied around, may be readable by others. */
async function makePrivate(handle: FileHandle): Promise<void> {
  const { mode } = await handle.stat();
  if ((mode & 0o077) !== 0) await handle.chmod(PRIVATE);
}

/** Makes a rename durable; directories cannot be opened for sync on every platform, which is then accepted. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error: unknown) {
    if (!isCode(error, "EISDIR") && !isCode(error, "EPERM") && !isCode(error, "EINVAL")) throw error;
  } finally {
    await handle?.close();
  }
}

function normaliseEndpoint(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, "").toLowerCase();
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** File-system refusals (permissions, read-only disk, a file where a directory should be) are the user's to fix: exit 2, not a crash. */
async function asInputError<T>(path: string, verb: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error: unknown) {
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    if (typeof code === "string" && ["EACCES", "EPERM", "EROFS", "ENOSPC", "ENOTDIR", "EISDIR", "ELOOP", "ENAMETOOLONG", "ENOENT", "EEXIST"].includes(code)) {
      throw new InputError(`cannot ${verb} the state ${path}: ${error instanceof Error ? error.message : code}`, [], { cause: error });
    }
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
