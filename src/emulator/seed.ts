/**
 * The emulator's seed (DESIGN.md "Seed file"): YAML validated against
 * `schemas/emulator-seed.schema.json`, every problem reported with FILE:LINE:COL, then applied to
 * a store. `generate` adds deterministic synthetic images for scale tests.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { LineCounter, isNode, parseDocument } from "yaml";
import type { Document } from "yaml";
import type { Problem } from "../errors.js";
import { InputError, messageOf } from "../errors.js";
import { imageId } from "./resources/images.js";
import { definitionResourceId } from "./resources/definitions.js";
import { versionResourceId } from "./resources/versions.js";
import { galleryResourceId } from "./resources/galleries.js";
import type { Limits } from "./rules.js";
import { findRegion } from "./rules.js";
import type { GalleryFamilyRecord, ImageRecord } from "./store.js";
import { Store, keyOf } from "./store.js";

/** A managed image in the seed. */
export interface SeedImage {
  name: string;
  location?: string;
  osType: "Linux" | "Windows";
  osState?: "Generalized" | "Specialized";
  hyperVGeneration?: "V1" | "V2";
  osDiskSizeGB?: number;
  dataDisks?: { lun: number; sizeGB: number }[];
  provisioningState?: string;
  zoneResilient?: boolean;
  sourceVirtualMachine?: string;
  tags?: Record<string, string>;
}

/** A pre-existing image version (Succeeded and replicated unless it says Failed). */
export interface SeedVersion {
  name: string;
  source: string;
  location?: string;
  targetRegions?: (string | { name: string; regionalReplicaCount?: number; storageAccountType?: string })[];
  replicaCount?: number;
  excludeFromLatest?: boolean;
  provisioningState?: "Succeeded" | "Failed";
  tags?: Record<string, string>;
}

/** A pre-existing image definition. */
export interface SeedDefinition {
  name: string;
  location?: string;
  osType: "Linux" | "Windows";
  osState?: "Generalized" | "Specialized";
  hyperVGeneration?: "V1" | "V2";
  architecture?: "x64" | "Arm64";
  securityType?: string;
  publisher: string;
  offer: string;
  sku: string;
  endOfLifeDate?: string;
  tags?: Record<string, string>;
  versions?: SeedVersion[];
}

/** A pre-existing gallery. */
export interface SeedGallery {
  name: string;
  location?: string;
  description?: string;
  tags?: Record<string, string>;
  definitions?: SeedDefinition[];
}

/** A resource group and what it holds. */
export interface SeedResourceGroup {
  name: string;
  location: string;
  images?: SeedImage[];
  galleries?: SeedGallery[];
}

/** The seed document, as the YAML file holds it. */
export interface SeedDocument {
  subscriptions: { id: string; resourceGroups?: SeedResourceGroup[] }[];
  generate?: { subscriptionId: string; count: number; resourceGroups?: number; locations?: string[]; prefix?: string };
  limits?: Partial<Limits>;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

function validateSchema(doc: unknown): ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(new URL("../../../schemas/emulator-seed.schema.json", import.meta.url), "utf8")) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}

function jsonPath(segments: readonly (string | number)[]): string {
  if (segments.length === 0) return "$";
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function pointerSegments(pointer: string): (string | number)[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function positionIn(doc: Document | undefined, lines: LineCounter | undefined, segments: readonly (string | number)[]): { line: number; column: number } {
  if (doc && lines) {
    for (let n = segments.length; n >= 0; n -= 1) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  return { line: 1, column: 1 };
}

function schemaMessage(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") return `unknown property '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
  if (e.keyword === "enum") return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(", ")}`;
  return e.message ?? "is invalid";
}

/** Checks what the schema cannot: known regions, unique names, versions' sources in the seed. */
function semanticProblems(seed: SeedDocument): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const region = (value: string | undefined, path: (string | number)[]): void => {
    if (value !== undefined && !findRegion(value)) out.push({ path, message: `unknown region '${value}'` });
  };
  const imageIds = new Set<string>();
  seed.subscriptions.forEach((s) =>
    (s.resourceGroups ?? []).forEach((rg) =>
      (rg.images ?? []).forEach((img) => imageIds.add(keyOf(imageId(s.id, rg.name, img.name)))),
    ),
  );
  seed.subscriptions.forEach((s, si) => {
    (s.resourceGroups ?? []).forEach((rg, ri) => {
      const base: (string | number)[] = ["subscriptions", si, "resourceGroups", ri];
      region(rg.location, [...base, "location"]);
      (rg.images ?? []).forEach((img, ii) => region(img.location, [...base, "images", ii, "location"]));
      (rg.galleries ?? []).forEach((g, gi) => {
        region(g.location, [...base, "galleries", gi, "location"]);
        (g.definitions ?? []).forEach((d, di) => {
          const dp = [...base, "galleries", gi, "definitions", di];
          region(d.location, [...dp, "location"]);
          (d.versions ?? []).forEach((v, vi) => {
            const vp = [...dp, "versions", vi];
            region(v.location, [...vp, "location"]);
            (v.targetRegions ?? []).forEach((t, ti) => region(typeof t === "string" ? t : t.name, [...vp, "targetRegions", ti]));
            if (!imageIds.has(keyOf(v.source))) out.push({ path: [...vp, "source"], message: `source '${v.source}' is not a managed image of this seed` });
          });
        });
      });
    });
  });
  (seed.generate?.locations ?? []).forEach((l, i) => region(l, ["generate", "locations", i]));
  return out;
}

/** Validates a parsed seed; throws InputError with every problem (positions from `doc` when given). */
export function validateSeed(value: unknown, file: string, doc?: Document, lines?: LineCounter): SeedDocument {
  const problems: Problem[] = [];
  const add = (segments: (string | number)[], message: string): void => {
    const pos = positionIn(doc, lines, segments);
    problems.push({ file, line: pos.line, column: pos.column, path: jsonPath(segments), message });
  };
  for (const e of validateSchema(value)) add(pointerSegments(e.instancePath), schemaMessage(e));
  if (problems.length === 0) for (const p of semanticProblems(value as SeedDocument)) add(p.path, p.message);
  if (problems.length > 0) throw new InputError(`${file}: the emulator seed is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"})`, problems);
  return value as SeedDocument;
}

/** Parses seed YAML text; throws InputError with FILE:LINE:COL problems. */
export function parseSeed(text: string, file: string): SeedDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, line: pos.line, column: pos.col, path: "$", message: e.message.split("\n")[0] ?? "YAML syntax error" };
    });
    throw new InputError(`${file}: the emulator seed is not valid YAML`, problems);
  }
  return validateSeed(doc.toJS() as unknown, file, doc, lines);
}

/** Reads and validates a seed file. */
export async function loadSeedFile(path: string): Promise<SeedDocument> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error: unknown) {
    throw new InputError(`cannot read the seed file ${path}: ${messageOf(error)}`);
  }
  return parseSeed(text, path);
}

/** The first subscription of a seed (the start line's `subscriptionId`). */
export function firstSubscription(seed: SeedDocument): string {
  return seed.subscriptions[0]?.id ?? seed.generate?.subscriptionId ?? "00000000-0000-0000-0000-000000000001";
}

/** A store holding the seed's resources, everything already finished at simulated `now`. */
export function storeFromSeed(seed: SeedDocument, now: number): Store {
  const store = new Store();
  for (const sub of seed.subscriptions) {
    store.subscriptions.add(sub.id.toLowerCase());
    for (const rg of sub.resourceGroups ?? []) {
      store.addResourceGroup({ subscriptionId: sub.id, name: rg.name, location: rg.location });
      for (const img of rg.images ?? []) addImage(store, sub.id, rg.name, img.location ?? rg.location, img);
      for (const g of rg.galleries ?? []) addGallery(store, sub.id, rg, g, now);
    }
  }
  if (seed.generate) generateImages(store, seed.generate);
  return store;
}

function addImage(store: Store, sub: string, rg: string, location: string, img: SeedImage): void {
  const id = imageId(sub, rg, img.name);
  const rec: ImageRecord = {
    id,
    subscriptionId: sub,
    resourceGroup: rg,
    name: img.name,
    location: findRegion(location)?.name ?? location,
    tags: { ...(img.tags ?? {}) },
    osType: img.osType,
    osState: img.osState ?? "Generalized",
    ...(img.hyperVGeneration !== undefined ? { hyperVGeneration: img.hyperVGeneration } : {}),
    osDiskSizeGB: img.osDiskSizeGB ?? 30,
    dataDisks: (img.dataDisks ?? []).map((d) => ({ lun: d.lun, sizeGB: d.sizeGB })),
    provisioningState: img.provisioningState ?? "Succeeded",
    zoneResilient: img.zoneResilient ?? false,
    ...(img.sourceVirtualMachine !== undefined ? { sourceVirtualMachine: img.sourceVirtualMachine } : {}),
  };
  store.images.set(keyOf(id), rec);
}

function addGallery(store: Store, sub: string, rg: SeedResourceGroup, g: SeedGallery, now: number): void {
  const id = galleryResourceId(sub, rg.name, g.name);
  const location = findRegion(g.location ?? rg.location)?.name ?? rg.location;
  const gallery: GalleryFamilyRecord = {
    kind: "gallery",
    id,
    subscriptionId: sub,
    resourceGroup: rg.name,
    name: g.name,
    location,
    ...(g.tags ? { tags: { ...g.tags } } : {}),
    properties: { ...(g.description ? { description: g.description } : {}), identifier: { uniqueName: `${sub}-${g.name.toUpperCase()}` } },
    provisioningState: "Succeeded",
  };
  store.galleries.set(keyOf(id), gallery);
  for (const d of g.definitions ?? []) {
    const defId = definitionResourceId(sub, rg.name, g.name, d.name);
    const generation = d.hyperVGeneration ?? "V1";
    const definition: GalleryFamilyRecord = {
      kind: "definition",
      id: defId,
      subscriptionId: sub,
      resourceGroup: rg.name,
      name: d.name,
      location: findRegion(d.location ?? location)?.name ?? location,
      ...(d.tags ? { tags: { ...d.tags } } : {}),
      properties: {
        hyperVGeneration: generation,
        architecture: d.architecture ?? "x64",
        osType: d.osType,
        osState: d.osState ?? "Generalized",
        identifier: { publisher: d.publisher, offer: d.offer, sku: d.sku },
        ...(d.endOfLifeDate ? { endOfLifeDate: d.endOfLifeDate } : {}),
        ...(d.securityType ? { features: [{ name: "SecurityType", value: d.securityType }] } : {}),
      },
      provisioningState: "Succeeded",
    };
    store.definitions.set(keyOf(defId), definition);
    for (const v of d.versions ?? []) addVersion(store, sub, rg.name, g.name, d.name, definition.location, v, now);
  }
}

function addVersion(store: Store, sub: string, rg: string, gallery: string, definition: string, defLocation: string, v: SeedVersion, now: number): void {
  const id = versionResourceId(sub, rg, gallery, definition, v.name);
  const image = store.images.get(keyOf(v.source));
  const location = findRegion(v.location ?? image?.location ?? defLocation)?.name ?? defLocation;
  const replicaCount = v.replicaCount ?? 1;
  const targets = (v.targetRegions ?? [location]).map((t) => (typeof t === "string" ? { name: t } : t));
  const failed = v.provisioningState === "Failed";
  const targetRegions = targets.map((t) => {
    const region = findRegion(t.name);
    return {
      name: region?.displayName ?? t.name,
      regionalReplicaCount: t.regionalReplicaCount ?? replicaCount,
      storageAccountType: t.storageAccountType ?? "Standard_LRS",
    };
  });
  const diskImages: Record<string, unknown> = image
    ? {
        osDiskImage: { sizeInGB: image.osDiskSizeGB, hostCaching: "ReadWrite", source: {} },
        ...(image.dataDisks.length > 0 ? { dataDiskImages: image.dataDisks.map((d) => ({ lun: d.lun, sizeInGB: d.sizeGB, hostCaching: "None" })) } : {}),
      }
    : {};
  const rec: GalleryFamilyRecord = {
    kind: "version",
    id,
    subscriptionId: sub,
    resourceGroup: rg,
    name: v.name,
    location,
    ...(v.tags ? { tags: { ...v.tags } } : {}),
    properties: {
      publishingProfile: {
        targetRegions,
        replicaCount,
        excludeFromLatest: v.excludeFromLatest ?? false,
        publishedDate: new Date(now - 86_400_000).toISOString().replace("Z", "0000+00:00"),
        storageAccountType: "Standard_LRS",
      },
      storageProfile: { source: { id: v.source } },
      safetyProfile: { reportedForPolicyViolation: false, allowDeletionOfReplicatedLocations: false },
    },
    provisioningState: failed ? "Failed" : "Succeeded",
    sourceId: v.source,
    replication: targetRegions.map((t) => ({
      region: t.name,
      startAt: now - 3_600_000,
      endAt: now - 1_800_000,
      ...(failed ? { failure: "Failed with internal server error." } : {}),
    })),
    diskImages,
    diskImagesShown: !failed,
  };
  store.versions.set(keyOf(id), rec);
}

/** Deterministic synthetic images: names `{prefix}-00001…`, resource groups `rg-{prefix}-001…`, a mix of OS, generation and size. */
function generateImages(store: Store, gen: NonNullable<SeedDocument["generate"]>): void {
  store.subscriptions.add(gen.subscriptionId.toLowerCase());
  const prefix = gen.prefix ?? "gen";
  const groups = gen.resourceGroups ?? 1;
  const locations = (gen.locations ?? ["westeurope"]).map((l) => findRegion(l)?.name ?? l);
  for (let g = 0; g < groups; g += 1) {
    const name = `rg-${prefix}-${String(g + 1).padStart(3, "0")}`;
    if (!store.resourceGroup(gen.subscriptionId, name)) {
      store.addResourceGroup({ subscriptionId: gen.subscriptionId, name, location: locations[g % locations.length]! });
    }
  }
  for (let i = 0; i < gen.count; i += 1) {
    const rg = `rg-${prefix}-${String((i % groups) + 1).padStart(3, "0")}`;
    const location = store.resourceGroup(gen.subscriptionId, rg)!.location;
    const windows = i % 3 === 2;
    // Every fifth image has no recorded generation, as old images do; the others alternate V2 / V1.
    const generation = i % 5 === 4 ? undefined : i % 2 === 0 ? "V2" : "V1";
    addImage(store, gen.subscriptionId, rg, location, {
      name: `${prefix}-${String(i + 1).padStart(5, "0")}`,
      osType: windows ? "Windows" : "Linux",
      ...(generation ? { hyperVGeneration: generation } : {}),
      osDiskSizeGB: windows ? 127 : i % 4 === 0 ? 64 : 30,
      dataDisks: i % 4 === 1 ? [{ lun: 0, sizeGB: 128 }] : [],
      tags: { generated: "true" },
    });
  }
}
