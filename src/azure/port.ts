/**
 * The narrow Azure port the engine, `plan`, `discover` and `cleanup` use. Only `src/azure/`
 * imports `@azure/*`; everything else sees these plain shapes. Region names here are short
 * (`westeurope`), whatever the service answered.
 */
import type { HyperVGeneration, OsState, OsType, SecurityType, StorageAccountType } from "../plan/types.js";
import type { RegionProgress } from "../state/types.js";

export interface ManagedImage {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  provisioningState: string;
  osType?: OsType;
  osState?: OsState;
  /** Undefined when the image does not record it (old images): treated as V1. */
  hyperVGeneration?: HyperVGeneration;
  zoneResilient: boolean;
  osDiskSizeGB?: number;
  dataDisks: { lun: number; sizeGB?: number }[];
  tags: Record<string, string>;
  sourceVirtualMachineId?: string;
}

export interface GalleryInfo {
  id: string;
  name: string;
  location: string;
  provisioningState?: string;
}

export interface DefinitionInfo {
  id: string;
  name: string;
  location: string;
  osType: OsType;
  osState: OsState;
  hyperVGeneration?: HyperVGeneration;
  /** The `SecurityType` feature, when set. */
  securityType?: SecurityType | string;
  architecture?: string;
  publisher: string;
  offer: string;
  sku: string;
  endOfLifeDate?: string;
  provisioningState?: string;
}

export interface VersionRegion {
  name: string;
  replicaCount?: number;
  storageAccountType?: StorageAccountType | string;
  excludeFromLatest?: boolean;
}

export interface VersionInfo {
  id: string;
  name: string;
  location: string;
  /** `storageProfile.source.id`. */
  sourceId?: string;
  provisioningState?: string;
  targetRegions: VersionRegion[];
  replicaCount?: number;
  storageAccountType?: string;
  endOfLifeDate?: string;
  excludeFromLatest?: boolean;
  /** Present when read with replication status. */
  replication?: { aggregatedState: string; regions: RegionProgress[] };
}

/** Everything `plan` and `discover` may do: reads only. `plan` is built on this type alone. */
export interface AzureReader {
  /** The ARM endpoint this port talks to (recorded in the state file). */
  readonly armEndpoint: string;
  getImage(id: string, signal?: AbortSignal): Promise<ManagedImage | undefined>;
  listImages(subscriptionId: string, resourceGroup?: string, signal?: AbortSignal): AsyncIterable<ManagedImage>;
  getGallery(id: string, signal?: AbortSignal): Promise<GalleryInfo | undefined>;
  listGalleries(subscriptionId: string, signal?: AbortSignal): AsyncIterable<GalleryInfo>;
  getDefinition(id: string, signal?: AbortSignal): Promise<DefinitionInfo | undefined>;
  listDefinitions(galleryId: string, signal?: AbortSignal): AsyncIterable<DefinitionInfo>;
  getVersion(id: string, options?: { replicationStatus?: boolean; signal?: AbortSignal }): Promise<VersionInfo | undefined>;
  listVersions(definitionId: string, signal?: AbortSignal): AsyncIterable<VersionInfo>;
}

/** What a created definition must carry; OS fields are explicit, never the API's defaults. */
export interface DefinitionSpec {
  id: string;
  location: string;
  osType: OsType;
  osState: OsState;
  hyperVGeneration: HyperVGeneration;
  securityType: SecurityType;
  architecture?: string;
  publisher: string;
  offer: string;
  sku: string;
  description?: string;
  eula?: string;
  releaseNoteUri?: string;
  privacyStatementUri?: string;
  endOfLifeDate?: string;
  recommended?: { vCPUs?: { min?: number; max?: number }; memory?: { min?: number; max?: number } };
  purchasePlan?: { name: string; publisher: string; product: string };
  tags: Record<string, string>;
}

/** A target region of a version body, encryption included. */
export interface VersionTargetRegion extends VersionRegion {
  encryption?: {
    osDiskImage?: { diskEncryptionSetId: string };
    dataDiskImages?: { lun: number; diskEncryptionSetId: string }[];
  };
}

/** The full body of a version create or update (sent whole: a PUT replaces). */
export interface VersionSpec {
  id: string;
  /** The source image's region (the service requires it). */
  location: string;
  sourceId: string;
  targetRegions: VersionTargetRegion[];
  replicaCount?: number;
  storageAccountType: StorageAccountType;
  endOfLifeDate?: string;
  excludeFromLatest?: boolean;
  blockDeletionBeforeEndOfLife: boolean;
  allowDeletionOfReplicatedLocations: boolean;
  tags: Record<string, string>;
}

/** Waiting options for long-running operations, in real milliseconds. */
export interface PollOptions {
  updateIntervalInMs: number;
  signal?: AbortSignal;
  /** Called after each poll that found the operation still running. */
  onPoll?: () => void;
}

/** Reads plus the writes `run` and `cleanup` make; only handed out when a command asks for writes. */
export interface AzureWriter extends AzureReader {
  /** Creates a gallery and waits for it. */
  createGallery(id: string, location: string, tags: Record<string, string>, options: PollOptions): Promise<GalleryInfo>;
  /** Creates (or re-sends, idempotently) a definition and waits for it. */
  createDefinition(spec: DefinitionSpec, options: PollOptions): Promise<DefinitionInfo>;
  /**
   * Sends a version PUT once, with no pipeline retry (a retried create could be sent twice), and
   * resolves as soon as the service accepted it, with the serialized poller to make durable.
   */
  submitVersion(spec: VersionSpec, signal?: AbortSignal): Promise<{ poller: string }>;
  /** Re-attaches to a version operation from its serialized poller and waits for it to end. */
  pollVersion(poller: string, options: PollOptions): Promise<VersionInfo | undefined>;
  /** Deletes a version and waits for it. */
  deleteVersion(id: string, options: PollOptions): Promise<void>;
  /** Deletes a managed image and waits for it. */
  deleteImage(id: string, options: PollOptions): Promise<void>;
}
