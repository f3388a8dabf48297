import { parseManagedImageId, shortRegion } from "../util/arm-id.js";
import { parseIsoDate } from "./dates.js";
import { formatPath } from "./plan-path.js";
import type { PathSegment } from "./plan-path.js";
import { knownRegions, resolveRegion, suggestRegion } from "./regions.js";
import type { RegionName } from "./regions.js";
import type { Finding } from "./yaml-source.js";
import type { Position } from "./types.js";

/** A plain YAML mapping. */
export type Obj = Record<string, unknown>;

/** True for a YAML mapping (not a list, not null). */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A migration with `defaults` merged in, still as plain data (before it is typed and resolved). */
export interface MergedMigration {
  index: number;
  gallery: Obj;
  source: unknown;
  definition: Obj;
  version: Obj;
  tags: Obj;
}

/** What the rules found, and the merged migrations they looked at. */
export interface RulesResult {
  errors: Finding[];
  warnings: Finding[];
  extraRegions: RegionName[];
  merged: MergedMigration[];
}

/** Options of the offline rules. */
export interface RulesOptions {
  /** "Now" for end-of-life dates (tests fix it). */
  now: Date;
  /** Where a path starts in the file, for messages that point at another migration. */
  positionOf: (path: readonly PathSegment[]) => Position;
}

const MAX_VERSION_PART = 2_147_483_647;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const IMAGE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
const IDENTITY_FIELDS = ["publisher", "offer", "sku"] as const;
const OS_FIELDS = ["osType", "osState", "hyperVGeneration", "securityType", "architecture"] as const;

/**
 * Checks what the schema cannot (FACTS.md §3): regions, version ranges, dates, source ids, and
 * the rules between migrations; also merges `defaults` into each migration. Defensive about
 * shapes: the schema reports wrong types, these rules skip what they cannot read.
 */
export function checkRules(root: unknown, options: RulesOptions): RulesResult {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const error = (path: PathSegment[], message: string): void => void errors.push({ path, message });
  if (!isObj(root)) return { errors, warnings, extraRegions: [], merged: [] };

  const extraRegions = readExtraRegions(root["execution"], warnings);
  const field = new FieldRules(error, options.now, extraRegions);

  const defaults = isObj(root["defaults"]) ? root["defaults"] : {};
  field.gallery(defaults["gallery"], ["defaults", "gallery"]);
  field.definition(defaults["definition"], ["defaults", "definition"]);
  field.version(defaults["version"], ["defaults", "version"]);
  // Problems of the defaults alone are reported once, at the defaults; not again at every migration.
  const defaultsCombination = new Set<string>();
  for (const finding of combinationRules(defaults)) {
    defaultsCombination.add(`${formatPath(finding.path)}\n${finding.message}`);
    error(["defaults", ...finding.path], finding.message);
  }

  const merged: MergedMigration[] = [];
  const migrations = Array.isArray(root["migrations"]) ? (root["migrations"] as unknown[]) : [];
  migrations.forEach((item, index) => {
    if (!isObj(item)) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ["migrations", index, ...rest];
    field.gallery(item["gallery"], at("gallery"));
    field.source(item["source"], at("source"));
    field.definition(item["definition"], at("definition"));
    field.version(item["version"], at("version"));
    const m: MergedMigration = {
      index,
      gallery: mergeObj(defaults["gallery"], item["gallery"]),
      source: item["source"],
      definition: mergeObj(defaults["definition"], item["definition"]),
      version: mergeObj(defaults["version"], item["version"]),
      tags: mergeObj(defaults["tags"], item["tags"]),
    };
    merged.push(m);
    for (const finding of combinationRules(m)) {
      if (!defaultsCombination.has(`${formatPath(finding.path)}\n${finding.message}`)) error(at(...finding.path), finding.message);
    }
    for (const [section, fields] of [["gallery", ["subscriptionId", "resourceGroup", "name"]], ["definition", IDENTITY_FIELDS]] as const) {
      // A migration without a definition at all is already reported by the schema, once.
      if (section === "definition" && !isObj(item["definition"])) continue;
      for (const name of fields) {
        if (m[section][name] === undefined) error(at(section, name), `missing \`${name}\`: set it here or in defaults.${section}`);
      }
    }
  });

  crossRules(merged, options.positionOf, errors, warnings);
  return { errors, warnings, extraRegions, merged };
}

/** Deep-merges two YAML mappings as DESIGN.md says: objects merge, the item wins, lists are replaced. */
export function mergeObj(base: unknown, over: unknown): Obj {
  const merged = mergeValue(base, over);
  return isObj(merged) ? merged : {};
}

function mergeValue(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [key, value] of Object.entries(over)) out[key] = mergeValue(base[key], value);
    return out;
  }
  return over;
}

function readExtraRegions(execution: unknown, warnings: Finding[]): RegionName[] {
  if (!isObj(execution) || !Array.isArray(execution["extraRegions"])) return [];
  const out: RegionName[] = [];
  (execution["extraRegions"] as unknown[]).forEach((entry, i) => {
    let region: RegionName | undefined;
    if (typeof entry === "string" && entry.trim() !== "") region = { name: shortRegion(entry), displayName: entry.trim() };
    else if (isObj(entry) && typeof entry["name"] === "string") {
      const displayName = typeof entry["displayName"] === "string" ? entry["displayName"] : entry["name"];
      region = { name: shortRegion(entry["name"]), displayName };
    }
    if (!region) return;
    if (knownRegions().has(region.name)) {
      warnings.push({ path: ["execution", "extraRegions", i], message: `\`${region.name}\` is already a known region; it need not be listed here` });
      return;
    }
    out.push(region);
  });
  return out;
}

/** Rules on single fields, checked where the field is written (defaults or migration). */
class FieldRules {
  constructor(
    private readonly error: (path: PathSegment[], message: string) => void,
    private readonly now: Date,
    private readonly extra: RegionName[],
  ) {}

  gallery(value: unknown, path: PathSegment[]): void {
    if (!isObj(value)) return;
    this.region(value["location"], [...path, "location"]);
  }

  source(value: unknown, path: PathSegment[]): void {
    if (typeof value !== "string") return; // the object form is fully checked by the schema
    const parts = parseManagedImageId(value.trim());
    if (!parts) {
      this.error(
        path,
        `\`${value}\` is not a managed image resource id: expected /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Compute/images/<name>`,
      );
      return;
    }
    if (!GUID.test(parts.subscriptionId)) this.error(path, `the subscription id \`${parts.subscriptionId}\` in the source id is not a GUID`);
    if (!RESOURCE_GROUP.test(parts.resourceGroup)) this.error(path, `the resource group \`${parts.resourceGroup}\` in the source id is not a valid resource group name`);
    if (!IMAGE_NAME.test(parts.name)) this.error(path, `the image name \`${parts.name}\` in the source id is not a valid managed image name`);
  }

  definition(value: unknown, path: PathSegment[]): void {
    if (!isObj(value)) return;
    if (value["osState"] === "Specialized") {
      this.error([...path, "osState"], "managed images are always generalized: osState must be Generalized");
    }
    this.endOfLife(value["endOfLifeDate"], [...path, "endOfLifeDate"]);
    const recommended = value["recommended"];
    if (isObj(recommended)) {
      for (const name of ["vCPUs", "memory"]) {
        const range = recommended[name];
        if (isObj(range) && typeof range["min"] === "number" && typeof range["max"] === "number" && range["min"] > range["max"]) {
          this.error([...path, "recommended", name, "min"], `min (${range["min"]}) must not be greater than max (${range["max"]})`);
        }
      }
    }
  }

  version(value: unknown, path: PathSegment[]): void {
    if (!isObj(value)) return;
    const name = value["name"];
    if (typeof name === "string" && /^[0-9]+\.[0-9]+\.[0-9]+$/.test(name)) {
      const tooLarge = name.split(".").find((part) => Number(part) > MAX_VERSION_PART);
      if (tooLarge !== undefined) {
        this.error(
          [...path, "name"],
          `\`${name}\` is not a valid version name: each part must be between 0 and 2147483647 (\`${tooLarge}\` is too large)`,
        );
      }
    }
    this.endOfLife(value["endOfLifeDate"], [...path, "endOfLifeDate"]);
    const regions = value["targetRegions"];
    if (!Array.isArray(regions)) return;
    const seen = new Map<string, { index: number; written: string }>();
    regions.forEach((entry: unknown, index) => {
      const namePath = isObj(entry) ? [...path, "targetRegions", index, "name"] : [...path, "targetRegions", index];
      const written = isObj(entry) ? entry["name"] : entry;
      const region = this.region(written, namePath);
      if (region && typeof written === "string") {
        const first = seen.get(region.name);
        if (first) {
          const same = first.written === written ? "" : ` (\`${first.written}\` and \`${written}\` are the same region)`;
          this.error(namePath, `duplicate target region \`${region.name}\`${same}; already listed at targetRegions[${first.index}]`);
        } else {
          seen.set(region.name, { index, written });
        }
      }
      if (isObj(entry) && isObj(entry["encryption"]) && Array.isArray(entry["encryption"]["dataDiskImages"])) {
        const luns = new Set<unknown>();
        (entry["encryption"]["dataDiskImages"] as unknown[]).forEach((disk, d) => {
          if (!isObj(disk) || typeof disk["lun"] !== "number") return;
          if (luns.has(disk["lun"])) {
            this.error([...path, "targetRegions", index, "encryption", "dataDiskImages", d, "lun"], `duplicate LUN ${disk["lun"]}`);
          }
          luns.add(disk["lun"]);
        });
      }
    });
  }

  private region(value: unknown, path: PathSegment[]): RegionName | undefined {
    if (typeof value !== "string" || value === "") return undefined;
    const region = resolveRegion(value, this.extra);
    if (region) return region;
    const guess = suggestRegion(value, this.extra);
    const hint = guess
      ? `; did you mean \`${guess}\`?`
      : "; a region the built-in list does not know yet can be listed in execution.extraRegions";
    this.error(path, `unknown region \`${value}\`: regions are written like \`westeurope\` or \`West Europe\`${hint}`);
    return undefined;
  }

  private endOfLife(value: unknown, path: PathSegment[]): void {
    if (typeof value !== "string") return;
    const date = parseIsoDate(value);
    if (!date) {
      this.error(path, `\`${value}\` is not a valid date: write an ISO 8601 date like 2030-12-31 or 2030-12-31T00:00:00Z`);
    } else if (date.getTime() <= this.now.getTime()) {
      this.error(path, `end-of-life date ${value} is in the past; it must be a future date`);
    }
  }
}

/** Rules between fields of one section: checked on the defaults alone and on each merged migration. */
function combinationRules(sections: { gallery?: unknown; definition?: unknown }): Finding[] {
  const out: Finding[] = [];
  const { gallery, definition } = sections;
  if (isObj(gallery) && gallery["create"] === true && (gallery["location"] === undefined || gallery["location"] === "")) {
    out.push({ path: ["gallery", "location"], message: "a gallery with `create: true` needs a `location` (the region to create it in)" });
  }
  if (isObj(definition) && definition["securityType"] === "TrustedLaunchSupported" && definition["hyperVGeneration"] === "V1") {
    out.push({ path: ["definition", "securityType"], message: "TrustedLaunchSupported needs a V2 image, but hyperVGeneration is V1" });
  }
  return out;
}

/** Identity strings of a merged migration, lower-cased as ARM compares ids; undefined when incomplete. */
function identity(m: MergedMigration): { gallery: string; definition: string; version: string; source?: string } | undefined {
  const g = m.gallery;
  const parts = [g["subscriptionId"], g["resourceGroup"], g["name"], m.definition["name"], m.version["name"]];
  if (!parts.every((p): p is string => typeof p === "string")) return undefined;
  const [sub, rg, gallery, definition, version] = parts.map((p) => p.toLowerCase()) as [string, string, string, string, string];
  const galleryKey = `${sub}/${rg}/${gallery}`;
  const source = sourceKey(m.source);
  return {
    gallery: galleryKey,
    definition: `${galleryKey}/${definition}`,
    version: `${galleryKey}/${definition}/${version}`,
    ...(source ? { source } : {}),
  };
}

function sourceKey(source: unknown): string | undefined {
  if (typeof source === "string") {
    const parts = parseManagedImageId(source.trim());
    return parts ? `${parts.subscriptionId}/${parts.resourceGroup}/${parts.name}`.toLowerCase() : undefined;
  }
  if (isObj(source)) {
    const p = [source["subscriptionId"], source["resourceGroup"], source["name"]];
    return p.every((x) => typeof x === "string") ? p.join("/").toLowerCase() : undefined;
  }
  return undefined;
}

/** Rules between migrations: one pass with maps, so 5,000 migrations stay linear. */
function crossRules(
  merged: MergedMigration[],
  positionOf: (path: readonly PathSegment[]) => Position,
  errors: Finding[],
  warnings: Finding[],
): void {
  const where = (index: number, ...rest: PathSegment[]): string => `migrations[${index}] (line ${positionOf(["migrations", index, ...rest]).line})`;
  const versions = new Map<string, MergedMigration>();
  const reportedFirst = new Set<number>();
  const definitions = new Map<string, MergedMigration>();
  const identifiers = new Map<string, MergedMigration>();
  const sources = new Map<string, number>();

  for (const m of merged) {
    const id = identity(m);
    if (!id) continue;
    const versionName = String(m.version["name"]);
    const definitionName = String(m.definition["name"]);

    const firstVersion = versions.get(id.version);
    if (firstVersion === undefined) versions.set(id.version, m);
    else {
      // Both ends are reported: either one may be the typo.
      if (!reportedFirst.has(firstVersion.index)) {
        reportedFirst.add(firstVersion.index);
        errors.push({
          path: ["migrations", firstVersion.index, "version", "name"],
          message: `version ${String(firstVersion.version["name"])} of definition \`${String(firstVersion.definition["name"])}\` is also the target of ${where(m.index, "version", "name")}`,
        });
      }
      errors.push({
        path: ["migrations", m.index, "version", "name"],
        message: `version ${versionName} of definition \`${definitionName}\` is already the target of ${where(firstVersion.index, "version", "name")}`,
      });
    }

    const firstDefinition = definitions.get(id.definition);
    if (!firstDefinition) definitions.set(id.definition, m);
    else {
      for (const name of [...IDENTITY_FIELDS, ...OS_FIELDS]) {
        const here = m.definition[name];
        const there = firstDefinition.definition[name];
        const differs = IDENTITY_FIELDS.includes(name as (typeof IDENTITY_FIELDS)[number])
          ? typeof here === "string" && typeof there === "string" && here.toLowerCase() !== there.toLowerCase()
          : here !== undefined && there !== undefined && here !== there;
        if (differs) {
          errors.push({
            path: ["migrations", m.index, "definition", name],
            message: `definition \`${definitionName}\` has ${name} \`${String(here)}\` here but \`${String(there)}\` in ${where(firstDefinition.index, "definition")}; one definition has one ${name}`,
          });
        }
      }
    }

    const triple = IDENTITY_FIELDS.map((f) => m.definition[f]);
    if (triple.every((p) => typeof p === "string")) {
      const key = `${id.gallery}\n${triple.join("\n").toLowerCase()}`;
      const owner = identifiers.get(key);
      if (!owner) identifiers.set(key, m);
      else if (String(owner.definition["name"]).toLowerCase() !== definitionName.toLowerCase()) {
        errors.push({
          path: ["migrations", m.index, "definition"],
          message: `publisher/offer/sku (${triple.join(", ")}) is already used by definition \`${String(owner.definition["name"])}\` in ${where(owner.index, "definition")}; each definition of a gallery needs its own`,
        });
      }
    }

    if (id.source) {
      const firstSource = sources.get(id.source);
      if (firstSource === undefined) sources.set(id.source, m.index);
      else {
        warnings.push({
          path: ["migrations", m.index, "source"],
          message: `the same source image as ${where(firstSource, "source")}; these migrations will run one after another`,
        });
      }
    }
  }
}
