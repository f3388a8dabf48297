import { closeSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { InputError } from "../errors.js";

/** What a lock file `<state>.lock` holds: who runs against the state, and since when. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/** A held lock: `notice` tells the caller when a stale lock was taken over. */
export interface HeldLock {
  readonly path: string;
  readonly info: LockInfo;
  readonly notice?: string;
  /** Removes the lock file if it is still ours; idempotent and synchronous (safe on a second Ctrl-C). */
  release(): void;
}

/** How long an unreadable lock file may be a lock still being written by its owner. */
const UNREADABLE_GRACE_MS = 10_000;

/** Takes `<state>.lock` with O_EXCL, taking over a lock whose process on this host is gone. */
export function acquireLock(lockPath: string, statePath: string, now: () => Date): HeldLock {
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: now().toISOString() };
  // A few rounds: a lock may vanish, or change hands, between our looking and our acting.
  for (let round = 0; round < 4; round++) {
    if (tryCreate(lockPath, info)) return heldLock(lockPath, info, undefined);
    const holder = readHolder(lockPath);
    if (holder === "gone") continue;
    let notice: string;
    if (holder === "unreadable") {
      const ageMs = ageOf(lockPath, now);
      if (ageMs !== undefined && ageMs < UNREADABLE_GRACE_MS) {
        throw new InputError(`state ${statePath} is locked by a run that is starting (${lockPath} is being written); try again in a few seconds`);
      }
      notice = `took over the unreadable lock ${lockPath} (a run that crashed while taking it)`;
    } else if (holder.host !== info.host) {
      throw new InputError(
        `state ${statePath} is locked by pid ${holder.pid} on host ${holder.host} since ${holder.startedAt}; ` +
          `acg-migrate cannot tell from here whether that run is still going. If you are sure it is not, delete ${lockPath} and try again`,
      );
    } else if (isAlive(holder.pid)) {
      throw new InputError(
        `state ${statePath} is locked by a run in progress: pid ${holder.pid} on host ${holder.host} since ${holder.startedAt}; ` +
          `wait for it to finish or stop it (Ctrl-C saves its state); if pid ${holder.pid} is not acg-migrate, the lock is stale: delete ${lockPath}`,
      );
    } else {
      notice = `took over the lock of pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}), which is no longer running`;
    }
    if (takeOver(lockPath, holder, info, now)) return heldLock(lockPath, info, notice);
  }
  throw new InputError(`state ${statePath}: other runs are taking the lock ${lockPath} at the same moment; try again`);
}

/**
 * Replaces a stale lock under a second O_EXCL guard file, so that two runs finding the same stale
 * lock cannot both remove it (the second would delete the first one's fresh lock). Returns false
 * when the lock changed hands meanwhile and must be judged again.
 */
function takeOver(lockPath: string, judged: LockInfo | "unreadable", info: LockInfo, now: () => Date): boolean {
  const guard = `${lockPath}.takeover`;
  if (!tryCreate(guard, info)) {
    const ageMs = ageOf(guard, now);
    // A guard outlives its takeover only when that run crashed in those few instructions.
    if (ageMs !== undefined && ageMs >= UNREADABLE_GRACE_MS) {
      removeIfPresent(guard);
      return false;
    }
    throw new InputError(`another run is taking over the stale lock ${lockPath} right now; try again in a few seconds`);
  }
  try {
    if (!sameHolder(readHolder(lockPath), judged)) return false;
    removeIfPresent(lockPath);
    return tryCreate(lockPath, info);
  } finally {
    removeIfPresent(guard);
  }
}

function sameHolder(a: LockInfo | "gone" | "unreadable", b: LockInfo | "unreadable"): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

function tryCreate(lockPath: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o600);
  } catch (error: unknown) {
    if (isCode(error, "EEXIST")) return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(lockPath: string): LockInfo | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8");
  } catch (error: unknown) {
    if (isCode(error, "ENOENT")) return "gone";
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.startedAt === "string") {
      return { pid: value.pid, host: value.host, startedAt: value.startedAt };
    }
  } catch {
    // falls through: an empty or torn lock file
  }
  return "unreadable";
}

function ageOf(path: string, now: () => Date): number | undefined {
  try {
    return now().getTime() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks existence only; EPERM means the process exists but belongs to someone else. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return !isCode(error, "ESRCH");
  }
}

function heldLock(lockPath: string, info: LockInfo, notice: string | undefined): HeldLock {
  let released = false;
  return {
    path: lockPath,
    info,
    ...(notice !== undefined ? { notice } : {}),
    release() {
      if (released) return;
      released = true;
      const holder = readHolder(lockPath);
      // Never remove a lock someone else took over (e.g. after ours was deleted by hand).
      if (typeof holder === "object" && (holder.pid !== info.pid || holder.host !== info.host || holder.startedAt !== info.startedAt)) return;
      removeIfPresent(lockPath);
    },
  };
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error: unknown) {
    if (!isCode(error, "ENOENT")) throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** Who holds the lock of a state, for `status` to tell whether a run is going; undefined when unlocked. */
export function inspectLock(statePath: string): (LockInfo & { live: boolean | undefined }) | undefined {
  const holder = readHolder(`${statePath}.lock`);
  if (typeof holder === "string") return undefined;
  // Liveness is only knowable on this host; elsewhere it is undefined.
  return { ...holder, live: holder.host === hostname() ? isAlive(holder.pid) : undefined };
}
