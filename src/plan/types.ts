/**
 * The plan after loading, validation and resolution: defaults merged, regions normalised,
 * source ids resolved. This is the contract between `plan/` (which produces it) and
 * `engine/`, `commands/` (which consume it). Names follow the REST API where one exists.
 */

export type OsType = "Linux" | "Windows";
export type OsState = "Generalized" | "Specialized";
export type HyperVGeneration = "V1" | "V2";
export type Architecture = "x64" | "Arm64";
export type SecurityType = "Standard" | "TrustedLaunchSupported";
export type StorageAccountType = "Standard_LRS" | "Standard_ZRS" | "Premium_LRS" | "PremiumV2_LRS";

/** Where a node of the plan sits in its file, 1-based. */
export interface Position {
  line: number;
  column: number;
}

export interface GalleryTarget {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Region for a gallery that `run` creates; required when `create` is true. */
  location?: string;
  /** Create the gallery when it does not exist (default false: a missing gallery blocks the item). */
  create: boolean;
  /** ARM id, `/subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/galleries/{name}`. */
  id: string;
}

export interface SourceImage {
  /** Full ARM id of the managed image, as written or built from its parts. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface DefinitionTarget {
  name: string;
  /** ARM id of the image definition. */
  id: string;
  publisher: string;
  offer: string;
  sku: string;
  /** Given in the plan, else undefined: derived from the source image at run time. */
  osType?: OsType;
  osState?: OsState;
  hyperVGeneration?: HyperVGeneration;
  /** `Standard` unless the plan says otherwise (never the 2025-03-03 API's silent default). */
  securityType: SecurityType;
  architecture?: Architecture;
  description?: string;
  eula?: string;
  releaseNoteUri?: string;
  privacyStatementUri?: string;
  endOfLifeDate?: string;
  recommended?: {
    vCPUs?: { min?: number; max?: number };
    memory?: { min?: number; max?: number };
  };
  purchasePlan?: { name: string; publisher: string; product: string };
}

export interface RegionEncryption {
  osDiskImage?: { diskEncryptionSetId: string };
  dataDiskImages?: { lun: number; diskEncryptionSetId: string }[];
}

export interface TargetRegion {
  /** Normalised short name (`westeurope`), whatever the plan wrote. */
  name: string;
  /** Display name (`West Europe`), as the service echoes it back. */
  displayName: string;
  replicaCount?: number;
  storageAccountType?: StorageAccountType;
  excludeFromLatest?: boolean;
  encryption?: RegionEncryption;
}

export interface VersionTarget {
  /** `Major.Minor.Patch`. */
  name: string;
  /** ARM id of the image version: the item's identity. */
  id: string;
  /** As the plan lists them, normalised; the source region is added by the engine when missing. */
  targetRegions: TargetRegion[];
  /** Default replica count for regions that do not set their own. */
  replicaCount?: number;
  excludeFromLatest?: boolean;
  endOfLifeDate?: string;
  /** Default storage for regions without their own; absent = mirror the source (ZRS if zone-resilient, else LRS). */
  storageAccountType?: StorageAccountType;
  blockDeletionBeforeEndOfLife?: boolean;
  /** An `update` may remove regions the version already has only when this is true. */
  allowRegionRemoval: boolean;
}

/** One migration of the plan with `defaults` merged in. */
export interface Migration {
  /** 0-based index in `migrations`. */
  index: number;
  /** The item's identity: the target version's ARM id. */
  key: string;
  /** Where the item starts in the plan file. */
  position: Position;
  gallery: GalleryTarget;
  source: SourceImage;
  definition: DefinitionTarget;
  version: VersionTarget;
  /** `defaults.tags` merged with the item's own; applied to what is created. */
  tags: Record<string, string>;
  /**
   * Stable digest of everything above except `index` and `position`: "its plan entry changed"
   * means this differs from what the state recorded.
   */
  fingerprint: string;
}

export interface ExecutionSettings {
  /** Migrations in flight at once (`run --concurrency` overrides it). */
  concurrency?: number;
  /** Per-item deadline in minutes, retries and replication included. */
  itemTimeoutMinutes?: number;
  /** Regions the built-in public list does not know yet, accepted as written. */
  extraRegions: { name: string; displayName: string }[];
}

export interface Plan {
  /** The path as the user gave it (used in messages). */
  file: string;
  execution: ExecutionSettings;
  migrations: Migration[];
  /** Non-fatal findings of validation (e.g. several migrations of one source image). */
  warnings: { line: number; column: number; path: string; message: string }[];
}
