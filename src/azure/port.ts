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
