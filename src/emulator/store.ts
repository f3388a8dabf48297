/**
 * The emulator's resources and operations, in memory, with their persistence in `--data-dir`.
 * Operations are timelines on the simulated clock, applied lazily by `settle(now)` before each
 * request: nothing runs in the background, so no timer keeps a closed emulator alive, and a
 * restarted emulator continues the same timelines.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { InputError, messageOf } from "../errors.js";
import type { RegionTimeline } from "./replication.js";
import { shortRegion } from "./rules.js";

/** A resource group the seed declares; galleries can only be created in one. */
export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
}

/** A managed image (`Microsoft.Compute/images`), from the seed. */
export interface ImageRecord {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  osType: "Linux" | "Windows";
  osState: "Generalized" | "Specialized";
  hyperVGeneration?: "V1" | "V2";
  osDiskSizeGB: number;
  dataDisks: { lun: number; sizeGB: number }[];
  provisioningState: string;
  zoneResilient: boolean;
  sourceVirtualMachine?: string;
  operationId?: string;
}

/** What galleries, definitions and versions share: the ARM envelope and a properties bag as the service stores it. */
export interface GalleryFamilyRecord {
  kind: "gallery" | "definition" | "version";
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** As sent (ARM keeps the caller's spelling of `location`). */
  location: string;
  tags?: Record<string, string>;
  /** Normalised, read-only fields filled in; `provisioningState` is kept apart. */
  properties: Record<string, unknown>;
  provisioningState: string;
  /** The operation currently changing this resource, if any. */
  operationId?: string;
  /** Versions: the managed image it was made from (`storageProfile.source.id`). */
  sourceId?: string;
  /** Versions: the current replication's regions. */
  replication?: RegionTimeline[];
  /** Versions: disk images derived from the source, shown once a replication succeeded. */
  diskImages?: Record<string, unknown>;
  diskImagesShown?: boolean;
}

/** One long-running operation, with its planned outcome. */
export interface OperationRecord {
  name: string;
  subscriptionId: string;
  /** Short region name used in the status URL. */
  location: string;
  /** `caps` = gallery RP `capsOperations`, `compute` = Compute RP `operations` (managed images). */
  family: "caps" | "compute";
  action: "create" | "update" | "delete";
  resourceKey: string;
  resourceKind: "image" | "gallery" | "definition" | "version";
  apiVersion: string;
  startTime: number;
  endTime: number;
  done: boolean;
  outcome: "Succeeded" | "Failed" | "Canceled";
  error?: { code: string; message: string };
}

/** What `--data-dir` keeps between runs. */
export interface StoreSnapshot {
  format: 1;
  simulatedNow: number;
  subscriptions?: string[];
  resourceGroups: ResourceGroupRecord[];
  images: ImageRecord[];
  galleries: GalleryFamilyRecord[];
  definitions: GalleryFamilyRecord[];
  versions: GalleryFamilyRecord[];
  operations: OperationRecord[];
}

/** Lower-cased key of a resource id: ARM paths are case-insensitive. */
export function keyOf(id: string): string {
  return id.toLowerCase();
}

/**
 * Galleries, definitions or versions by lower-cased id, indexed so that a PUT does not scan them
 * all: children by parent id (insertion order kept, as the lists page by offset), counts per
 * subscription and region (quotas) and, for versions, versions by source image. Records never
 * change subscription, region (refused as InvalidResourceLocation) or source (refused as
 * PropertyChangeNotAllowed) once stored, so the indexes only move on set and delete.
 */
export class ResourceMap extends Map<string, GalleryFamilyRecord> {
  private readonly byParent = new Map<string, Set<string>>();
  private readonly bySource = new Map<string, Set<string>>();
  private readonly counts = new Map<string, number>();

  override set(key: string, rec: GalleryFamilyRecord): this {
    const previous = super.get(key);
    if (previous !== undefined) {
      if (previous === rec) return this;
      this.unindex(key, previous);
    }
    super.set(key, rec);
    this.index(key, rec);
    return this;
  }

  override delete(key: string): boolean {
    const rec = super.get(key);
    if (rec === undefined) return false;
    this.unindex(key, rec);
    return super.delete(key);
  }

  override clear(): void {
    this.byParent.clear();
    this.bySource.clear();
    this.counts.clear();
    super.clear();
  }

  /** The records directly under `parentKey` (a lower-cased id), in insertion order. */
  children(parentKey: string): GalleryFamilyRecord[] {
    const keys = this.byParent.get(parentKey);
    return keys === undefined ? [] : [...keys].map((k) => super.get(k)!);
  }

  /** Whether anything is stored directly under `parentKey`. */
  hasChildren(parentKey: string): boolean {
    return (this.byParent.get(parentKey)?.size ?? 0) > 0;
  }

  /** The versions made from the managed image `sourceKey` (a lower-cased id). */
  withSource(sourceKey: string): GalleryFamilyRecord[] {
    const keys = this.bySource.get(sourceKey);
    return keys === undefined ? [] : [...keys].map((k) => super.get(k)!);
  }

  /** How many records one subscription holds in one region (the per-region quotas). */
  countIn(subscriptionId: string, location: string): number {
    return this.counts.get(this.countKey(subscriptionId, location)) ?? 0;
  }

  private countKey(subscriptionId: string, location: string): string {
    return `${subscriptionId.toLowerCase()}|${shortRegion(location)}`;
  }

  private index(key: string, rec: GalleryFamilyRecord): void {
    const parent = parentKeyOf(key);
    let siblings = this.byParent.get(parent);
    if (siblings === undefined) this.byParent.set(parent, (siblings = new Set()));
    siblings.add(key);
    if (rec.sourceId !== undefined) {
      const source = keyOf(rec.sourceId);
      let same = this.bySource.get(source);
      if (same === undefined) this.bySource.set(source, (same = new Set()));
      same.add(key);
    }
    const count = this.countKey(rec.subscriptionId, rec.location);
    this.counts.set(count, (this.counts.get(count) ?? 0) + 1);
  }

  private unindex(key: string, rec: GalleryFamilyRecord): void {
    const parent = parentKeyOf(key);
    const siblings = this.byParent.get(parent);
    siblings?.delete(key);
    if (siblings?.size === 0) this.byParent.delete(parent);
    if (rec.sourceId !== undefined) {
      const source = keyOf(rec.sourceId);
      const same = this.bySource.get(source);
      same?.delete(key);
      if (same?.size === 0) this.bySource.delete(source);
    }
    const count = this.countKey(rec.subscriptionId, rec.location);
    const n = (this.counts.get(count) ?? 1) - 1;
    if (n > 0) this.counts.set(count, n);
    else this.counts.delete(count);
  }
}

/** The parent of an id: `…/galleries/g/images/d` for `…/galleries/g/images/d/versions/v` (two segments up). */
function parentKeyOf(key: string): string {
  const last = key.lastIndexOf("/");
  const type = last > 0 ? key.lastIndexOf("/", last - 1) : -1;
  return type > 0 ? key.slice(0, type) : "";
}

/** A binary min-heap of operations by end time, so settling costs O(log n) per ended operation. */
class DueHeap {
  private readonly items: { endTime: number; name: string }[] = [];

  push(item: { endTime: number; name: string }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]!.endTime <= a[i]!.endTime) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }

  peek(): { endTime: number; name: string } | undefined {
    return this.items[0];
  }

  pop(): { endTime: number; name: string } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.endTime < a[m]!.endTime) m = l;
        if (r < a.length && a[r]!.endTime < a[m]!.endTime) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Resources, resource groups and operations of one emulator. */
export class Store {
  /** Lower-cased ids of the subscriptions that exist (the seed's). */
  readonly subscriptions = new Set<string>();
  readonly resourceGroups = new Map<string, ResourceGroupRecord>();
  readonly images = new Map<string, ImageRecord>();
  readonly galleries = new ResourceMap();
  readonly definitions = new ResourceMap();
  readonly versions = new ResourceMap();
  readonly operations = new Map<string, OperationRecord>();
  private readonly pending = new Set<string>();
  /** Running operations by end time; entries of canceled ones are dropped when they surface. */
  private readonly due = new DueHeap();
  private nextDue = Number.POSITIVE_INFINITY;
  /** Called after every change, so the owner can schedule a save. */
  onChange: () => void = () => {};

  /** Adds a resource group (seed). */
  addResourceGroup(rg: ResourceGroupRecord): void {
    this.subscriptions.add(rg.subscriptionId.toLowerCase());
    this.resourceGroups.set(`${rg.subscriptionId}/${rg.name}`.toLowerCase(), rg);
  }

  /** The resource group, when the seed declared it. */
  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.resourceGroups.get(`${subscriptionId}/${name}`.toLowerCase());
  }

  /** Starts an operation that ends at `endTime` (simulated) with `outcome`. */
  startOperation(op: Omit<OperationRecord, "name" | "done">): OperationRecord {
    const record: OperationRecord = { ...op, name: randomUUID(), done: false };
    this.operations.set(record.name, record);
    this.pending.add(record.name);
    // A copy: cancelOperation moves the record's endTime, which must not reorder the heap under it.
    this.due.push({ endTime: record.endTime, name: record.name });
    this.nextDue = Math.min(this.nextDue, record.endTime);
    this.onChange();
    return record;
  }

  /** Ends a running operation now with another outcome (a version deleted while replicating). */
  cancelOperation(name: string | undefined, now: number): void {
    const op = name === undefined ? undefined : this.operations.get(name);
    if (!op || op.done) return;
    op.done = true;
    op.outcome = "Canceled";
    op.endTime = now;
    op.error = { code: "OperationCanceled", message: "The operation was canceled because the resource was deleted." };
    this.pending.delete(op.name);
  }

  /** Applies every operation that has ended by `now` (simulated), in the order they ended. */
  settle(now: number): void {
    if (now < this.nextDue) return;
    let applied = 0;
    for (let top = this.due.peek(); top !== undefined && top.endTime <= now; top = this.due.peek()) {
      this.due.pop();
      const op = this.operations.get(top.name);
      // Canceled (or already applied) operations left their heap entry behind.
      if (op === undefined || !this.pending.has(op.name)) continue;
      this.pending.delete(op.name);
      op.done = true;
      this.apply(op);
      applied += 1;
    }
    while (this.due.peek() !== undefined && !this.pending.has(this.due.peek()!.name)) this.due.pop();
    this.nextDue = this.due.peek()?.endTime ?? Number.POSITIVE_INFINITY;
    if (applied > 0) this.onChange();
  }

  private apply(op: OperationRecord): void {
    const map = this.mapOf(op.resourceKind);
    const rec = map.get(op.resourceKey);
    if (!rec || rec.operationId !== op.name) return;
    rec.operationId = undefined;
    if (op.action === "delete") {
      if (op.outcome === "Succeeded") map.delete(op.resourceKey);
      else rec.provisioningState = "Failed";
      return;
    }
    rec.provisioningState = op.outcome === "Succeeded" ? "Succeeded" : "Failed";
    if (op.outcome === "Succeeded" && "diskImages" in rec && rec.diskImages !== undefined) rec.diskImagesShown = true;
  }

  private mapOf(kind: OperationRecord["resourceKind"]): Map<string, { operationId?: string | undefined; provisioningState: string; diskImages?: unknown; diskImagesShown?: boolean }> {
    switch (kind) {
      case "image":
        return this.images;
      case "gallery":
        return this.galleries;
      case "definition":
        return this.definitions;
      case "version":
        return this.versions;
    }
  }

  /** Whether an operation is still running at `now` (before settle has applied it). */
  isRunning(name: string | undefined): boolean {
    return name !== undefined && this.pending.has(name);
  }

  /** Everything, for `--data-dir`. */
  snapshot(simulatedNow: number): StoreSnapshot {
    return {
      format: 1,
      simulatedNow,
      subscriptions: [...this.subscriptions],
      resourceGroups: [...this.resourceGroups.values()],
      images: [...this.images.values()],
      galleries: [...this.galleries.values()],
      definitions: [...this.definitions.values()],
      versions: [...this.versions.values()],
      operations: [...this.operations.values()],
    };
  }

  /** A store holding a snapshot's contents. */
  static fromSnapshot(s: StoreSnapshot): Store {
    const store = new Store();
    for (const sub of s.subscriptions ?? []) store.subscriptions.add(sub);
    for (const rg of s.resourceGroups) store.addResourceGroup(rg);
    for (const r of s.images) store.images.set(keyOf(r.id), r);
    for (const r of s.galleries) store.galleries.set(keyOf(r.id), r);
    for (const r of s.definitions) store.definitions.set(keyOf(r.id), r);
    for (const r of s.versions) store.versions.set(keyOf(r.id), r);
    for (const op of s.operations) {
      store.operations.set(op.name, op);
      if (!op.done) {
        store.pending.add(op.name);
        store.due.push({ endTime: op.endTime, name: op.name });
        store.nextDue = Math.min(store.nextDue, op.endTime);
      }
    }
    return store;
  }
}

/** Writes a file atomically (temp file, fsync, rename), so a crash leaves the old or the new copy. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads a snapshot written by `writeFileAtomic`, or undefined when there is none. */
export function readSnapshot(path: string): StoreSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: StoreSnapshot;
  try {
    parsed = JSON.parse(text) as StoreSnapshot;
  } catch (error: unknown) {
    throw new InputError(`${path}: the emulator's saved state is not valid JSON (${messageOf(error)}); remove it to start afresh`);
  }
  if (parsed?.format !== 1) throw new InputError(`${path}: unknown emulator state format ${String(parsed?.format)}; remove it to start afresh`);
  return parsed;
}
