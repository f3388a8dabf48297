import { createHash } from "node:crypto";
import { definitionId, galleryId, managedImageId, parseManagedImageId, versionId } from "../util/arm-id.js";
import { parseIsoDate } from "./dates.js";
import { resolveRegion } from "./regions.js";
import type { RegionName } from "./regions.js";
import { isObj } from "./rules.js";
import type { MergedMigration, Obj } from "./rules.js";
import type {
  DefinitionTarget,
  GalleryTarget,
  Migration,
  Position,
  RegionEncryption,
  SourceImage,
  TargetRegion,
  VersionTarget,
} from "./types.js";

/**
 * Turns a merged migration that passed every check into the typed contract: ids built, regions
 * normalised, dates in one ISO form, defaults (`create`, `securityType`, `allowRegionRemoval`) filled.
 */
export function resolveMigration(m: MergedMigration, position: Position, extra: readonly RegionName[]): Migration {
  const g = m.gallery;
  const gallery: GalleryTarget = {
    subscriptionId: str(g["subscriptionId"]),
    resourceGroup: str(g["resourceGroup"]),
    name: str(g["name"]),
    ...(typeof g["location"] === "string" ? { location: region(g["location"], extra).name } : {}),
    create: g["create"] === true,
    id: galleryId(str(g["subscriptionId"]), str(g["resourceGroup"]), str(g["name"])),
  };
  const source = resolveSource(m.source);
  const definition = resolveDefinition(m.definition, gallery.id);
  const version = resolveVersion(m.version, definition.id, extra);
  const tags = Object.fromEntries(Object.entries(m.tags).map(([k, v]) => [k, String(v)]));
  const body = { key: version.id, gallery, source, definition, version, tags };
  return { index: m.index, position, ...body, fingerprint: fingerprint(body) };
}

/** sha256 of the canonical JSON (sorted keys, no undefined) of an item: equal plans give equal digests. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  // A plain loop: this runs once per migration, and 5,000 of them must validate in well under a second.
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (isObj(value)) {
    let out = "{";
    for (const key of Object.keys(value).sort()) {
      const child = value[key];
      if (child === undefined) continue;
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${canonicalJson(child)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

function str(value: unknown): string {
  return String(value);
}

function region(name: string, extra: readonly RegionName[]): RegionName {
  // Checked before resolution; the fallback only keeps the function total.
  return resolveRegion(name, extra) ?? { name, displayName: name };
}

function isoDate(value: unknown): string | undefined {
  return typeof value === "string" ? (parseIsoDate(value)?.toISOString() ?? value) : undefined;
}

function resolveSource(value: unknown): SourceImage {
  if (typeof value === "string") {
    const id = value.trim();
    const parts = parseManagedImageId(id)!;
    return { id, ...parts };
  }
  const s = value as Obj;
  const parts = { subscriptionId: str(s["subscriptionId"]), resourceGroup: str(s["resourceGroup"]), name: str(s["name"]) };
  return { id: managedImageId(parts), ...parts };
}

function pick<T extends object>(from: Obj, keys: readonly (keyof T & string)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) if (from[key] !== undefined) (out as Obj)[key] = from[key];
  return out;
}

function resolveDefinition(d: Obj, gallery: string): DefinitionTarget {
  const name = str(d["name"]);
  const optional = pick<DefinitionTarget>(d, [
    "osType",
    "osState",
    "hyperVGeneration",
    "architecture",
    "description",
    "eula",
    "releaseNoteUri",
    "privacyStatementUri",
    "recommended",
    "purchasePlan",
  ]);
  const endOfLifeDate = isoDate(d["endOfLifeDate"]);
  return {
    name,
    id: definitionId(gallery, name),
    publisher: str(d["publisher"]),
    offer: str(d["offer"]),
    sku: str(d["sku"]),
    securityType: d["securityType"] === "TrustedLaunchSupported" ? "TrustedLaunchSupported" : "Standard",
    ...optional,
    ...(endOfLifeDate ? { endOfLifeDate } : {}),
  };
}

function resolveVersion(v: Obj, definition: string, extra: readonly RegionName[]): VersionTarget {
  const name = str(v["name"]);
  const regions = Array.isArray(v["targetRegions"]) ? (v["targetRegions"] as unknown[]) : [];
  const targetRegions = regions.map((entry): TargetRegion => {
    const r = isObj(entry) ? entry : { name: entry };
    const resolved = region(str(r["name"]), extra);
    return {
      name: resolved.name,
      displayName: resolved.displayName,
      ...pick<TargetRegion>(r, ["replicaCount", "storageAccountType", "excludeFromLatest"]),
      ...(isObj(r["encryption"]) ? { encryption: r["encryption"] as RegionEncryption } : {}),
    };
  });
  const endOfLifeDate = isoDate(v["endOfLifeDate"]);
  return {
    name,
    id: versionId(definition, name),
    targetRegions,
    ...pick<VersionTarget>(v, ["replicaCount", "excludeFromLatest", "storageAccountType", "blockDeletionBeforeEndOfLife"]),
    ...(endOfLifeDate ? { endOfLifeDate } : {}),
    allowRegionRemoval: v["allowRegionRemoval"] === true,
  };
}
