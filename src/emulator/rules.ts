/**
 * The service rules of Azure Compute Gallery and ARM as the emulator enforces them, and the
 * error bodies it answers with (DESIGN.md's error table, FACTS.md §3-4 for the messages).
 */
import regionsData from "../data/regions.json" with { type: "json" };

/** An ARM error answer: `{error:{code,message,target?}}` with its HTTP status. */
export class ArmError extends Error {
  override name = "ArmError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    /** True when the refusal is one of the service's rules (counted in `ruleViolations`). */
    readonly ruleViolation = false,
  ) {
    super(message);
  }

  /** The body ARM sends. */
  body(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.target !== undefined ? { target: this.target } : {}) } };
  }
}

/** A broken service rule: answered like any ARM error and counted in `ruleViolations`. */
export function ruleError(status: number, code: string, message: string, target?: string): ArmError {
  return new ArmError(status, code, message, target, true);
}

/** api-versions the gallery resource types (and their capsOperations) accept (DESIGN.md). */
export const GALLERY_API_VERSIONS: readonly string[] = [
  "2018-06-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-09-30", "2021-07-01", "2021-10-01",
  "2022-01-03", "2022-03-03", "2022-08-03", "2023-07-03", "2024-03-03", "2025-03-03",
];

/** api-versions the managed image resource type (and its operations) accept (DESIGN.md). */
export const IMAGE_API_VERSIONS: readonly string[] = [
  "2017-12-01", "2018-04-01", "2018-06-01", "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01",
  "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01", "2021-07-01", "2021-11-01", "2022-03-01",
  "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01",
  "2024-11-01", "2025-04-01", "2025-11-01", "2026-03-01",
];

/** ARM's answer to a request without `api-version`, or with one the resource type does not know. */
export function checkApiVersion(apiVersion: string | null, accepted: readonly string[] | RegExp, resourceType: string): ArmError | undefined {
  if (apiVersion === null || apiVersion === "") {
    return new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const known = accepted instanceof RegExp ? accepted.test(apiVersion) : accepted.includes(apiVersion);
  if (!known) {
    const list = accepted instanceof RegExp ? "any dated api-version" : accepted.join(",");
    return new ArmError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid. The supported versions for resource type '${resourceType}' are '${list}'.`);
  }
  return undefined;
}

interface RegionEntry {
  name: string;
  displayName: string;
}

const REGIONS: readonly RegionEntry[] = (regionsData as { regions: RegionEntry[] }).regions;
const BY_KEY = new Map<string, RegionEntry>(REGIONS.flatMap((r) => [[regionKey(r.name), r], [regionKey(r.displayName), r]] as [string, RegionEntry][]));

function regionKey(value: string): string {
  return value.toLowerCase().replace(/\s+/g, "");
}

/** The region a name or display name denotes (`West Europe`, `westeurope`), or undefined. */
export function findRegion(value: string): RegionEntry | undefined {
  return BY_KEY.get(regionKey(value));
}

/** Short name of a region, or the input squashed to lowercase when unknown. */
export function shortRegion(value: string): string {
  return findRegion(value)?.name ?? regionKey(value);
}

/**
 * Regions with availability zones, where `PreferStandard_ZRS` picks `Standard_ZRS`. A small table
 * (public Azure "regions with availability zones" list), not a live lookup.
 */
const ZRS_REGIONS = new Set([
  "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus", "eastus2",
  "francecentral", "germanywestcentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral",
  "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
  "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
  "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
]);

/** Whether a region supports zone-redundant storage (for the `PreferStandard_ZRS` strategy). */
export function supportsZrs(region: string): boolean {
  return ZRS_REGIONS.has(shortRegion(region));
}

/** 400 `LocationNotAvailableForResourceType` unless the region exists. */
export function requireRegion(value: unknown, resourceType: string, target: string): RegionEntry {
  const region = typeof value === "string" ? findRegion(value) : undefined;
  if (region) return region;
  if (value === undefined || value === null || value === "") {
    throw new ArmError(400, "LocationRequired", "The location property is required for this definition.", target);
  }
  throw ruleError(
    400,
    "LocationNotAvailableForResourceType",
    `The provided location '${String(value)}' is not available for resource type '${resourceType}'. List of available regions for the resource type is '${REGIONS.map((r) => r.name).join(",")}'.`,
    target,
  );
}

const GALLERY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/;
const DEFINITION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$/;
const VERSION_NAME = /^(\d+)\.(\d+)\.(\d+)$/;
const IDENTIFIER_PART = /^[A-Za-z0-9_.-]*[A-Za-z0-9_-]$/;

/** 400 `InvalidParameter` unless the gallery name follows the rule (alphanumerics, `_` and `.` inside, ≤80). */
export function checkGalleryName(name: string): void {
  if (!GALLERY_NAME.test(name)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `The gallery name '${name}' is invalid. Allowed characters are English alphanumeric characters, with underscores, and periods allowed in the middle, up to 80 characters total. All other special characters, including dashes, are disallowed.`,
      "galleryName",
    );
  }
}

/** 400 `InvalidParameter` unless the image definition name follows the rule. */
export function checkDefinitionName(name: string): void {
  if (!DEFINITION_NAME.test(name)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `The gallery image name '${name}' is invalid. Allowed characters are English letters, numbers, underscores, hyphens and periods; it must start and end with a letter or number and be at most 80 characters.`,
      "galleryImageName",
    );
  }
}

/** 400 `InvalidParameter` unless the version name is Major.Minor.Patch of 32-bit integers. */
export function checkVersionName(name: string): void {
  const m = VERSION_NAME.exec(name);
  const ok = m !== null && [m[1], m[2], m[3]].every((part) => Number(part) <= 2_147_483_647);
  if (!ok) {
    throw ruleError(
      400,
      "InvalidParameter",
      "The image version name is invalid. The image version name should follow Major(int).Minor(int).Patch(int) format, where int is between 0 and 2,147,483,647 (inclusive). For e.g: 1.0.0, 2018.12.1 etc.",
      "galleryImageVersionName",
    );
  }
}

/** 400 `InvalidParameter` unless a publisher/offer/sku part is well formed and short enough. */
export function checkIdentifierPart(field: "publisher" | "offer" | "sku", value: unknown): string {
  const max = field === "publisher" ? 128 : 64;
  if (typeof value !== "string" || value.length === 0) {
    throw new ArmError(400, "InvalidParameter", `Required parameter '${field}' is missing (null).`, `properties.identifier.${field}`);
  }
  if (value.length > max || !IDENTIFIER_PART.test(value)) {
    throw ruleError(
      400,
      "InvalidParameter",
      `The value '${value}' of '${field}' is invalid. Allowed characters are uppercase or lowercase letters, digits, hyphen(-), period (.), underscore (_). Names are not allowed to end with period(.). The length must not exceed ${max} characters.`,
      `properties.identifier.${field}`,
    );
  }
  return value;
}

/** 400 `InvalidParameter` when an end-of-life date is not in the future (simulated now). */
export function checkEndOfLife(value: unknown, nowMs: number, target: string): void {
  if (value === undefined || value === null) return;
  const t = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw new ArmError(400, "InvalidParameter", `The value '${String(value)}' is not a valid date-time.`, target);
  if (t <= nowMs) throw ruleError(400, "InvalidParameter", "EndOfLifeDate must be set to a future date.", target);
}

/** Per-subscription-per-region limits (FACTS.md §3.5); overridable for tests. */
export interface Limits {
  galleries: number;
  definitions: number;
  versions: number;
}

/** Azure's documented defaults: 100 galleries, 1,000 definitions, 10,000 versions per subscription per region. */
export const DEFAULT_LIMITS: Limits = { galleries: 100, definitions: 1000, versions: 10000 };

/** 409 `QuotaExceeded` when one more resource would pass the limit. */
export function checkQuota(kind: "Galleries" | "GalleryImages" | "GalleryImageVersions", usage: number, limit: number, location: string): void {
  if (usage >= limit) {
    throw ruleError(
      409,
      "QuotaExceeded",
      `Operation could not be completed as it results in exceeding approved ${kind} quota. Location: ${location}, Current Limit: ${limit}, Current Usage: ${usage}, Additional Required: 1.`,
    );
  }
}

/** The regional-failure message of a version's replication (FACTS.md §4.2). */
export function replicationFailureMessage(failed: readonly { region: string; detail: string }[]): string {
  const details = failed.map((f) => `{region:${shortRegion(f.region)}, detail:${f.detail}}`).join(", ");
  return `Gallery replication jobs failed in one or more regions. The failing regions' details are as follows: '${details}'. If retry does not work, then please do an update by removing the failed regions and update again by adding them back.`;
}

/** The 2 TB limit of a version's source (FACTS.md §3.3). */
export const MAX_SOURCE_GB = 2048;
