/**
 * What a migration asks of Azure, derived from the plan and the source image, and how what
 * exists differs from it. Pure functions: the planner and the item state machine share them.
 */
import type { DefinitionInfo, DefinitionSpec, ManagedImage, VersionInfo, VersionSpec, VersionTargetRegion } from "../azure/port.js";
import type { HyperVGeneration, Migration, StorageAccountType } from "../plan/types.js";

/** Absent on old images means V1 (FACTS.md §1.3). */
export function imageGeneration(image: ManagedImage): HyperVGeneration {
  return image.hyperVGeneration ?? "V1";
}

/** A plan value that contradicts the image is never silently corrected: the item fails, saying why. */
export function imageMismatch(m: Migration, image: ManagedImage): string | undefined {
  const d = m.definition;
  if (d.hyperVGeneration !== undefined && d.hyperVGeneration !== imageGeneration(image)) {
    return `the plan asks for hyperVGeneration ${d.hyperVGeneration} but the image ${image.name} is ${imageGeneration(image)}${image.hyperVGeneration ? "" : " (not recorded on the image: V1)"}`;
  }
  if (d.osType !== undefined && image.osType !== undefined && d.osType !== image.osType) {
    return `the plan asks for osType ${d.osType} but the image ${image.name} is ${image.osType}`;
  }
  if (d.osState !== undefined && d.osState !== (image.osState ?? "Generalized")) {
    return `the plan asks for osState ${d.osState} but the image ${image.name} is ${image.osState ?? "Generalized"}`;
  }
  if (image.hyperVGeneration === undefined || image.hyperVGeneration === "V1") {
    if (d.securityType === "TrustedLaunchSupported") {
      return `securityType TrustedLaunchSupported needs a V2 image, but ${image.name} is V1`;
    }
  }
  return undefined;
}

/** An existing definition the image cannot go into, in the service's terms; undefined when compatible. */
export function definitionMismatch(m: Migration, def: DefinitionInfo, image: ManagedImage): string | undefined {
  const gen = imageGeneration(image);
  const defGen = def.hyperVGeneration ?? "V1";
  if (defGen !== gen) {
    // The service's own words (FACTS.md §4.2), said before any write instead of after a failed operation.
    return `The resource with id '${image.id}' has a different Hypervisor generation ['${gen}'] than the parent gallery image Hypervisor generation ['${defGen}'] (definition ${def.name})`;
  }
  if (image.osType !== undefined && def.osType !== image.osType) {
    return `The resource with id '${image.id}' has a different OS type ['${image.osType}'] than the parent gallery image OS type generation ['${def.osType}'] (definition ${def.name})`;
  }
  if (def.osState !== (image.osState ?? "Generalized")) {
    return `definition ${def.name} exists with OS state ${def.osState}, the image is ${image.osState ?? "Generalized"}`;
  }
  const d = m.definition;
  if (def.publisher !== d.publisher || def.offer !== d.offer || def.sku !== d.sku) {
    return `definition ${def.name} exists with identifier ${def.publisher}/${def.offer}/${def.sku}, the plan says ${d.publisher}/${d.offer}/${d.sku}`;
  }
  return undefined;
}

/** The target regions to send: the plan's, with the source region added when missing. */
export function desiredRegions(m: Migration, image: ManagedImage): VersionTargetRegion[] {
  const regions: VersionTargetRegion[] = m.version.targetRegions.map((r) => ({
    name: r.name,
    replicaCount: r.replicaCount ?? m.version.replicaCount ?? 1,
    ...(r.storageAccountType !== undefined ? { storageAccountType: r.storageAccountType } : {}),
    ...(r.excludeFromLatest !== undefined ? { excludeFromLatest: r.excludeFromLatest } : {}),
    ...(r.encryption ? { encryption: r.encryption } : {}),
  }));
  if (!regions.some((r) => r.name === image.location)) {
    regions.unshift({ name: image.location, replicaCount: m.version.replicaCount ?? 1 });
  }
  return regions;
}

/** The definition to create for a migration from its image. */
export function definitionSpec(m: Migration, image: ManagedImage, location: string): DefinitionSpec {
  const d = m.definition;
  return {
    id: d.id,
    location,
    osType: d.osType ?? image.osType ?? "Linux",
    osState: d.osState ?? "Generalized",
    hyperVGeneration: d.hyperVGeneration ?? imageGeneration(image),
    securityType: d.securityType,
    ...(d.architecture !== undefined ? { architecture: d.architecture } : {}),
    publisher: d.publisher,
    offer: d.offer,
    sku: d.sku,
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.eula !== undefined ? { eula: d.eula } : {}),
    ...(d.releaseNoteUri !== undefined ? { releaseNoteUri: d.releaseNoteUri } : {}),
    ...(d.privacyStatementUri !== undefined ? { privacyStatementUri: d.privacyStatementUri } : {}),
    ...(d.endOfLifeDate !== undefined ? { endOfLifeDate: d.endOfLifeDate } : {}),
    ...(d.recommended !== undefined ? { recommended: d.recommended } : {}),
    ...(d.purchasePlan !== undefined ? { purchasePlan: d.purchasePlan } : {}),
    tags: m.tags,
  };
}

/** The whole version body; for an update, regions the version has and the plan omits are kept unless removal is allowed. */
export function versionSpec(m: Migration, image: ManagedImage, storage: StorageAccountType, existing?: VersionInfo): VersionSpec {
  const regions = desiredRegions(m, image);
  if (existing && !m.version.allowRegionRemoval) {
    for (const r of existing.targetRegions) {
      if (!regions.some((d) => d.name === r.name)) regions.push({ name: r.name, ...(r.replicaCount !== undefined ? { replicaCount: r.replicaCount } : {}) });
    }
  }
  return {
    id: m.version.id,
    location: image.location,
    sourceId: m.source.id,
    targetRegions: regions,
    ...(m.version.replicaCount !== undefined ? { replicaCount: m.version.replicaCount } : {}),
    storageAccountType: storage,
    ...(m.version.endOfLifeDate !== undefined ? { endOfLifeDate: m.version.endOfLifeDate } : {}),
    ...(m.version.excludeFromLatest !== undefined ? { excludeFromLatest: m.version.excludeFromLatest } : {}),
    blockDeletionBeforeEndOfLife: m.version.blockDeletionBeforeEndOfLife ?? false,
    allowDeletionOfReplicatedLocations: m.version.allowRegionRemoval,
    tags: m.tags,
  };
}

/** How an existing version (same source) differs from the plan: changes an update makes, or a reason it cannot. */
export function versionDifference(
  m: Migration,
  version: VersionInfo,
  regions: VersionTargetRegion[],
  storage: StorageAccountType,
): { changes: string[]; blocking?: string } {
  const changes: string[] = [];
  if (m.version.storageAccountType !== undefined && version.storageAccountType !== undefined && version.storageAccountType !== storage) {
    return { changes, blocking: `version ${m.version.name} exists with storage ${version.storageAccountType}, the plan asks for ${storage}` };
  }
  for (const r of regions) {
    const have = version.targetRegions.find((t) => t.name === r.name);
    if (!have) changes.push(`adds region ${r.name} (replicas ${r.replicaCount ?? 1})`);
    else if (r.replicaCount !== undefined && have.replicaCount !== undefined && have.replicaCount !== r.replicaCount) {
      changes.push(`replicas in ${r.name}: ${have.replicaCount} → ${r.replicaCount}`);
    }
  }
  if (m.version.allowRegionRemoval) {
    for (const t of version.targetRegions) if (!regions.some((r) => r.name === t.name)) changes.push(`removes region ${t.name}`);
  }
  const wantEol = m.version.endOfLifeDate ? Date.parse(m.version.endOfLifeDate) : undefined;
  const haveEol = version.endOfLifeDate ? Date.parse(version.endOfLifeDate) : undefined;
  if (wantEol !== undefined && wantEol !== haveEol) changes.push(`end-of-life → ${m.version.endOfLifeDate}`);
  return { changes };
}
