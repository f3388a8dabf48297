/**
 * Turns the managed images `discover` found into a plan a user can review: one definition per
 * image or per name family, valid and unique names, sources as full ids, regions, tags, and the
 * images that cannot be migrated written as comments with the reason.
 */
import { Document, isMap, isSeq } from "yaml";
import type { DefinitionInfo, ManagedImage, VersionInfo } from "../azure/port.js";
import type { HyperVGeneration, OsType } from "../plan/types.js";
import { sourceProblem } from "../preview/source-checks.js";
import { parseGalleryResourceId, shortRegion } from "../util/arm-id.js";
import { DEFINITION_NAME_MAX, OFFER_SKU_MAX, UniqueNames, compareVersionedNames, splitVersionSuffix, toDefinitionName, toIdentifier } from "./naming.js";

/** Per subscription per region limit of image definitions (FACTS.md §3.5). */
export const DEFINITIONS_PER_REGION = 1000;
/** Per subscription per region limit of image versions (FACTS.md §3.5). */
export const VERSIONS_PER_REGION = 10000;

/** How images become definitions: one each, or one per family of names differing only by a version-like suffix. */
export type GroupBy = "image" | "name";

/** What the target gallery already holds, so names do not collide and migrated images are adopted. */
export interface ExistingGallery {
  location: string;
  definitions: DefinitionInfo[];
  /** Versions of those definitions (their ids name the definition). */
  versions: VersionInfo[];
}

/** Everything `discover` decided from its flags. */
export interface DiscoverOptions {
  gallery: { subscriptionId: string; resourceGroup: string; name: string };
  /** The gallery as it exists, or undefined when `run` is to create it. */
  existing?: ExistingGallery;
  publisher: string;
  /** Extra target regions (short names) added to each image's own region. */
  targetRegions: string[];
  groupBy: GroupBy;
  /** Value of the `$schema` editor comment. */
  schemaRef: string;
  /** Image definitions the gallery's subscription already holds in the gallery's region (all its galleries). */
  definitionsInRegion?: number;
  /** Image versions the gallery's subscription already holds, per short region. */
  versionsInRegion?: Record<string, number>;
  /** What was scanned, for the header. */
  scope: { subscriptions: string[]; resourceGroups: string[] };
  now?: Date;
}

/** One image left out of the plan, and why. */
export interface SkippedImage {
  id: string;
  reason: string;
}

/** The summary `discover --json` prints. */
export interface DiscoverSummary {
  images: number;
  migrations: number;
  skipped: SkippedImage[];
  definitions: number;
}

/** The plan text and what it holds. */
export interface DiscoveredPlan {
  text: string;
  summary: DiscoverSummary;
  /** Advice for the user (limits), printed on stderr. */
  warnings: string[];
}

interface PlannedItem {
  image: ManagedImage;
  definition: string;
  offer: string;
  sku: string;
  publisher: string;
  osType: OsType;
  hyperVGeneration: HyperVGeneration;
  version: string;
  note?: string;
}

function generationOf(image: ManagedImage): HyperVGeneration {
  // Old images do not record it; the service treats them as V1 (port.ts).
  return image.hyperVGeneration ?? "V1";
}

function skuFor(osType: OsType, generation: HyperVGeneration): string {
  return `${osType.toLowerCase()}-gen${generation === "V2" ? 2 : 1}`;
}

function compareImages(a: ManagedImage, b: ManagedImage): number {
  return compareVersionedNames(a.name, b.name) || a.id.toLowerCase().localeCompare(b.id.toLowerCase(), "en");
}

/** Groups the migratable images into definitions: each image alone, or name families sharing OS type and generation. */
function groupImages(images: ManagedImage[], groupBy: GroupBy): { stem: string; images: ManagedImage[] }[] {
  const sorted = [...images].sort(compareImages);
  if (groupBy === "image") return sorted.map((image) => ({ stem: image.name, images: [image] }));
  const groups = new Map<string, { stem: string; images: ManagedImage[] }>();
  for (const image of sorted) {
    const stem = splitVersionSuffix(image.name)?.stem ?? image.name;
    const key = `${stem.toLowerCase()}|${image.osType}|${generationOf(image)}`;
    const group = groups.get(key) ?? { stem, images: [] };
    group.images.push(image);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => a.stem.localeCompare(b.stem, "en") || compareImages(a.images[0]!, b.images[0]!));
}

/** Decides every item: existing migrations are reused as they are, the rest get fresh unique names. */
function planItems(images: ManagedImage[], options: DiscoverOptions): PlannedItem[] {
  const existing = options.existing;
  const definitionsByName = new Map((existing?.definitions ?? []).map((d) => [d.name.toLowerCase(), d]));
  const migrated = new Map<string, { definition: DefinitionInfo; version: VersionInfo }>();
  for (const version of existing?.versions ?? []) {
    const definitionName = parseGalleryResourceId(version.id)?.definition?.toLowerCase();
    const definition = definitionName === undefined ? undefined : definitionsByName.get(definitionName);
    if (version.sourceId && definition) migrated.set(version.sourceId.toLowerCase(), { definition, version });
  }
  const names = new UniqueNames(DEFINITION_NAME_MAX, definitionsByName.keys());
  const offers = new UniqueNames(
    OFFER_SKU_MAX,
    (existing?.definitions ?? []).filter((d) => d.publisher.toLowerCase() === options.publisher.toLowerCase()).map((d) => d.offer),
  );

  const items: PlannedItem[] = [];
  const fresh: ManagedImage[] = [];
  for (const image of images) {
    const found = migrated.get(image.id.toLowerCase());
    if (!found) {
      fresh.push(image);
      continue;
    }
    // Re-running discover after a partial migration must not plan those images a second time.
    items.push({
      image,
      definition: found.definition.name,
      publisher: found.definition.publisher,
      offer: found.definition.offer,
      sku: found.definition.sku,
      osType: found.definition.osType,
      hyperVGeneration: found.definition.hyperVGeneration ?? "V1",
      version: found.version.name,
      note: `already migrated to ${found.definition.name}/${found.version.name}: \`plan\` will adopt it`,
    });
  }
  const groups = groupImages(fresh, options.groupBy);
  const perStem = new Map<string, number>();
  for (const group of groups) perStem.set(group.stem.toLowerCase(), (perStem.get(group.stem.toLowerCase()) ?? 0) + 1);
  for (const group of groups) {
    const first = group.images[0]!;
    const osType = first.osType!;
    const generation = generationOf(first);
    // One family split by OS type or generation: say which is which rather than `web`, `web-2`.
    const split = options.groupBy === "name" && (perStem.get(group.stem.toLowerCase()) ?? 0) > 1;
    const wanted = split ? `${group.stem}-${skuFor(osType, generation)}` : group.stem;
    const definition = names.claim(toDefinitionName(wanted));
    const offer = offers.claim(toIdentifier(definition));
    group.images.forEach((image, index) => {
      items.push({
        image,
        definition,
        publisher: options.publisher,
        offer,
        sku: skuFor(osType, generation),
        osType,
        hyperVGeneration: generation,
        version: `${index + 1}.0.0`,
      });
    });
  }
  return items;
}

function targetRegionsFor(image: ManagedImage, extra: string[]): string[] {
  const regions = [shortRegion(image.location)];
  for (const region of extra) if (!regions.includes(region)) regions.push(region);
  return regions;
}

function mostCommonRegion(images: ManagedImage[]): string | undefined {
  const counts = new Map<string, number>();
  for (const image of images) counts.set(shortRegion(image.location), (counts.get(shortRegion(image.location)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/**
 * The gallery's region: where it is when it exists, else the region most images are in (ties:
 * alphabetical), which keeps most definitions beside their versions, as Microsoft advises.
 */
export function chooseGalleryRegion(images: ManagedImage[], existing: ExistingGallery | undefined): string {
  if (existing) return shortRegion(existing.location);
  return mostCommonRegion(images.filter((image) => !sourceProblem(image))) ?? mostCommonRegion(images) ?? "westeurope";
}

function limitWarnings(items: PlannedItem[], options: DiscoverOptions, galleryRegion: string): string[] {
  const warnings: string[] = [];
  const existingDefinitions = new Set((options.existing?.definitions ?? []).map((d) => d.name.toLowerCase()));
  const newDefinitions = new Set(items.map((i) => i.definition.toLowerCase()).filter((name) => !existingDefinitions.has(name)));
  const definitionTotal = (options.definitionsInRegion ?? options.existing?.definitions.length ?? 0) + newDefinitions.size;
  if (definitionTotal > DEFINITIONS_PER_REGION) {
    const advice =
      options.groupBy === "image"
        ? "re-run with `--group-by name` so images whose names differ only by a version-like suffix share one definition, or split the plan over galleries in several regions"
        : "split the plan over galleries in several regions or subscriptions, or ask Azure support to raise the limit";
    warnings.push(
      `${definitionTotal} image definitions would be in region ${galleryRegion} of subscription ${options.gallery.subscriptionId} (${newDefinitions.size} new), over the limit of ${DEFINITIONS_PER_REGION} per subscription per region: ${advice}`,
    );
  }
  const perRegion = new Map<string, number>();
  for (const item of items) {
    // Items with a note are already migrated: their versions are counted among the existing ones.
    const region = shortRegion(item.image.location);
    if (!item.note) perRegion.set(region, (perRegion.get(region) ?? 0) + 1);
  }
  for (const [region, added] of perRegion) {
    const total = added + (options.versionsInRegion?.[region] ?? 0);
    if (total > VERSIONS_PER_REGION) {
      warnings.push(
        `${total} image versions would be in region ${region} of subscription ${options.gallery.subscriptionId}, over the limit of ${VERSIONS_PER_REGION} per subscription per region: split the plan, or ask Azure support to raise the limit`,
      );
    }
  }
  return warnings;
}

function header(options: DiscoverOptions, galleryRegion: string, creates: boolean, counts: DiscoverSummary): string {
  const lines = [
    ` yaml-language-server: $schema=${options.schemaRef}`,
    "",
    ` Written by \`acg-migrate discover\` on ${(options.now ?? new Date()).toISOString()}`,
    ` from subscription(s) ${options.scope.subscriptions.join(", ")}` +
      (options.scope.resourceGroups.length > 0 ? `, resource group(s) ${options.scope.resourceGroups.join(", ")}` : ""),
    ` ${counts.images} managed image(s) found: ${counts.migrations} migration(s) into ${counts.definitions} image definition(s), ${counts.skipped.length} left out (listed at the end).`,
    "",
    " Review before running:",
    creates
      ? `  - defaults.gallery: ${options.gallery.name} does not exist yet; \`run\` creates it in ${galleryRegion} (change location if you prefer another region).`
      : `  - defaults.gallery: ${options.gallery.name} exists in ${galleryRegion}; its definitions were read so names do not collide.`,
    `  - definitions: ${options.groupBy === "image" ? "one per image" : "one per name family (names that differ only by a version-like suffix, same OS type and generation), versions in name order"};`,
    "    names, offers and skus are derived from the image names and made valid and unique: rename freely, keeping (publisher, offer, sku) unique.",
    "  - securityType Standard suits every managed image; V2 images may use TrustedLaunchSupported instead.",
    "  - targetRegions start with the image's own region (the service requires it); add regions or replicaCount as needed.",
    "  - tags are copied from each image and applied to the definitions and versions `run` creates.",
    "",
    " Then: acg-migrate validate <this file>; acg-migrate plan <this file> (read-only preview); acg-migrate run <this file>.",
  ];
  return lines.join("\n");
}

/** Builds the plan text and its summary from the images found; pure (no Azure call). */
export function buildDiscoveredPlan(images: ManagedImage[], options: DiscoverOptions): DiscoveredPlan {
  const skipped: SkippedImage[] = [];
  const usable: ManagedImage[] = [];
  for (const image of images) {
    const problem = sourceProblem(image);
    if (problem) skipped.push({ id: image.id, reason: `${problem.reason}; ${problem.remedy}` });
    else usable.push(image);
  }
  skipped.sort((a, b) => a.id.localeCompare(b.id, "en"));
  const items = planItems(usable, options);
  const galleryRegion = chooseGalleryRegion(images, options.existing);
  const summary: DiscoverSummary = {
    images: images.length,
    migrations: items.length,
    skipped,
    definitions: new Set(items.map((i) => i.definition.toLowerCase())).size,
  };

  const plan = {
    version: 1,
    defaults: {
      gallery: {
        subscriptionId: options.gallery.subscriptionId,
        resourceGroup: options.gallery.resourceGroup,
        name: options.gallery.name,
        location: galleryRegion,
        // Harmless when the gallery exists, and keeps the plan valid if it is deleted before `run`.
        create: true,
      },
      definition: { publisher: options.publisher, securityType: "Standard" },
    },
    migrations: items.map((item) => ({
      source: item.image.id,
      definition: {
        name: item.definition,
        ...(item.publisher !== options.publisher ? { publisher: item.publisher } : {}),
        offer: item.offer,
        sku: item.sku,
        osType: item.osType,
        hyperVGeneration: item.hyperVGeneration,
      },
      version: { name: item.version, targetRegions: targetRegionsFor(item.image, options.targetRegions) },
      ...(Object.keys(item.image.tags).length > 0 ? { tags: { ...item.image.tags } } : {}),
    })),
  };

  const doc = new Document(plan);
  doc.commentBefore = header(options, galleryRegion, options.existing === undefined, summary);
  const seq = doc.get("migrations", true);
  if (isSeq(seq)) {
    seq.items.forEach((node, index) => {
      const item = items[index]!;
      if (item.note) (node as { commentBefore?: string }).commentBefore = ` ${item.note}`;
      if (isMap(node)) {
        const regions = node.getIn(["version", "targetRegions"], true);
        if (isSeq(regions)) regions.flow = true;
      }
    });
  }
  if (skipped.length > 0) {
    doc.comment = [
      ` Not migrated: ${skipped.length} image(s) cannot be migrated as they are.`,
      ...skipped.map((s) => `   ${s.id}\n     ${s.reason}`),
    ].join("\n");
  }
  const warnings = limitWarnings(items, options, galleryRegion);
  if (items.length === 0) {
    warnings.push("no image can be migrated: the plan has no migrations, and `validate` refuses an empty plan until you add one");
  }
  return { text: doc.toString({ lineWidth: 0 }), summary, warnings };
}
