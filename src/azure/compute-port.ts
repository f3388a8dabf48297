/**
 * The one module over @azure/arm-compute: maps SDK models to the port's plain shapes and
 * SDK errors to AzureError. Two clients per subscription share one credential: the ordinary
 * one (pipeline retries) for reads, polls and idempotent writes, and one without pipeline
 * retries for the version PUT, which a transparent retry could send twice.
 */
import { rootCertificates } from "node:tls";
import { ComputeManagementClient, restorePoller } from "@azure/arm-compute";
import type { Gallery, GalleryImage, GalleryImageVersion, Image, ComputeManagementClientOptionalParams } from "@azure/arm-compute";
import type { TokenCredential } from "@azure/core-auth";
import type { HyperVGeneration, OsState, OsType, StorageAccountType } from "../plan/types.js";
import type { RegionProgress } from "../state/types.js";
import { parseGalleryResourceId, parseManagedImageId, shortRegion } from "../util/arm-id.js";
import { AzureError, toAzureError } from "./errors.js";
import { WritePacer } from "./write-pacing.js";
import type {
  AzureWriter,
  DefinitionInfo,
  DefinitionSpec,
  GalleryInfo,
  ManagedImage,
  PollOptions,
  VersionInfo,
  VersionSpec,
} from "./port.js";

/** How to reach ARM. */
export interface ComputePortOptions {
  armEndpoint: string;
  credential: TokenCredential;
  /** Extra trusted CA (PEM), added to the public roots. */
  caPem?: string;
  /** The runner's clock runs this much faster: pipeline back-off shrinks with it. */
  timeScale: number;
  /** Pipeline retries of the ordinary client (default 4). */
  maxRetries?: number;
}

type Client = ComputeManagementClient;

/** Creates the Azure port (reads and writes) over the real SDK. */
export function createComputePort(options: ComputePortOptions): AzureWriter {
  return new ComputePort(options);
}

function fail(error: unknown): never {
  throw toAzureError(error);
}

function isGone(error: unknown): boolean {
  const e = toAzureError(error);
  return e instanceof AzureError && e.statusCode === 404;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error: unknown) {
    if (isGone(error)) return undefined;
    fail(error);
  }
}

/** Starts a delete and polls it to its end; a resource already gone counts as deleted, so a repeated delete succeeds. */
async function deleteToEnd(
  start: (lro: { updateIntervalInMs: number; abortSignal: AbortSignal | undefined }) => { pollUntilDone(options: { abortSignal: AbortSignal | undefined }): Promise<unknown> },
  options: PollOptions,
): Promise<void> {
  try {
    const poller = start({ updateIntervalInMs: options.updateIntervalInMs, abortSignal: options.signal });
    await poller.pollUntilDone({ abortSignal: options.signal });
  } catch (error: unknown) {
    if (isGone(error)) return;
    fail(error);
  }
}

function parts(id: string): { subscriptionId: string; resourceGroup: string; gallery: string; definition?: string; version?: string } {
  const p = parseGalleryResourceId(id);
  if (!p) throw new AzureError({ message: `not a gallery resource id: ${id}`, code: "InvalidResourceId", transient: false });
  return p;
}

function imageParts(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const p = parseManagedImageId(id);
  if (!p) throw new AzureError({ message: `not a managed image id: ${id}`, code: "InvalidResourceId", transient: false });
  return p;
}

function toIso(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

class ComputePort implements AzureWriter {
  readonly armEndpoint: string;
  readonly #options: ComputePortOptions;
  readonly #clients = new Map<string, { ordinary: Client; noRetry: Client }>();
  /** Shared by every client: the budgets any answer reports pace the writes of all items. */
  readonly pacer: WritePacer;

  constructor(options: ComputePortOptions) {
    this.armEndpoint = options.armEndpoint.replace(/\/+$/, "");
    this.#options = options;
    this.pacer = new WritePacer(options.timeScale);
  }

  #client(subscriptionId: string, kind: "ordinary" | "noRetry" = "ordinary"): Client {
    let pair = this.#clients.get(subscriptionId);
    if (!pair) {
      const scale = this.#options.timeScale;
      const base: ComputeManagementClientOptionalParams = {
        endpoint: this.armEndpoint,
        credentials: { scopes: [`${this.armEndpoint}/.default`] },
        ...(this.#options.caPem ? { tlsOptions: { ca: [...rootCertificates, this.#options.caPem] } } : {}),
        userAgentOptions: { userAgentPrefix: "acg-migrate" },
        // Per retry: a 429's own budget headers count too.
        additionalPolicies: [{ policy: this.pacer.policy(), position: "perRetry" }],
      };
      pair = {
        ordinary: new ComputeManagementClient(this.#options.credential, subscriptionId, {
          ...base,
          retryOptions: {
            maxRetries: this.#options.maxRetries ?? 4,
            retryDelayInMs: Math.max(5, 1000 / scale),
            maxRetryDelayInMs: Math.max(50, 64_000 / scale),
          },
        }),
        noRetry: new ComputeManagementClient(this.#options.credential, subscriptionId, { ...base, retryOptions: { maxRetries: 0 } }),
      };
      this.#clients.set(subscriptionId, pair);
    }
    return pair[kind];
  }

  async getImage(id: string, signal?: AbortSignal): Promise<ManagedImage | undefined> {
    const p = imageParts(id);
    const image = await orUndefined(() => this.#client(p.subscriptionId).images.get(p.resourceGroup, p.name, { abortSignal: signal }));
    return image ? toManagedImage(image, id) : undefined;
  }

  async *listImages(subscriptionId: string, resourceGroup?: string, signal?: AbortSignal): AsyncIterable<ManagedImage> {
    const client = this.#client(subscriptionId);
    const pages = resourceGroup ? client.images.listByResourceGroup(resourceGroup, { abortSignal: signal }) : client.images.list({ abortSignal: signal });
    try {
      for await (const image of pages) yield toManagedImage(image, image.id ?? "");
    } catch (error: unknown) {
      fail(error);
    }
  }

  async getGallery(id: string, signal?: AbortSignal): Promise<GalleryInfo | undefined> {
    const p = parts(id);
    const gallery = await orUndefined(() => this.#client(p.subscriptionId).galleries.get(p.resourceGroup, p.gallery, { abortSignal: signal }));
    return gallery ? toGalleryInfo(gallery, id) : undefined;
  }

  async *listGalleries(subscriptionId: string, signal?: AbortSignal): AsyncIterable<GalleryInfo> {
    try {
      for await (const gallery of this.#client(subscriptionId).galleries.list({ abortSignal: signal })) yield toGalleryInfo(gallery, gallery.id ?? "");
    } catch (error: unknown) {
      fail(error);
    }
  }

  async getDefinition(id: string, signal?: AbortSignal): Promise<DefinitionInfo | undefined> {
    const p = parts(id);
    const def = await orUndefined(() =>
      this.#client(p.subscriptionId).galleryImages.get(p.resourceGroup, p.gallery, p.definition ?? "", { abortSignal: signal }),
    );
    return def ? toDefinitionInfo(def, id) : undefined;
  }

  async *listDefinitions(galleryId: string, signal?: AbortSignal): AsyncIterable<DefinitionInfo> {
    const p = parts(galleryId);
    try {
      for await (const def of this.#client(p.subscriptionId).galleryImages.listByGallery(p.resourceGroup, p.gallery, { abortSignal: signal })) {
        yield toDefinitionInfo(def, def.id ?? `${galleryId}/images/${def.name ?? ""}`);
      }
    } catch (error: unknown) {
      if (isGone(error)) return;
      fail(error);
    }
  }

  async getVersion(id: string, options?: { replicationStatus?: boolean; signal?: AbortSignal }): Promise<VersionInfo | undefined> {
    const p = parts(id);
    const version = await orUndefined(() =>
      this.#client(p.subscriptionId).galleryImageVersions.get(p.resourceGroup, p.gallery, p.definition ?? "", p.version ?? "", {
        ...(options?.replicationStatus ? { expand: "ReplicationStatus" } : {}),
        abortSignal: options?.signal,
      }),
    );
    return version ? toVersionInfo(version, id) : undefined;
  }

  async *listVersions(definitionId: string, signal?: AbortSignal): AsyncIterable<VersionInfo> {
    const p = parts(definitionId);
    try {
      const pages = this.#client(p.subscriptionId).galleryImageVersions.listByGalleryImage(p.resourceGroup, p.gallery, p.definition ?? "", { abortSignal: signal });
      for await (const version of pages) yield toVersionInfo(version, version.id ?? `${definitionId}/versions/${version.name ?? ""}`);
    } catch (error: unknown) {
      if (isGone(error)) return;
      fail(error);
    }
  }

  async createGallery(id: string, location: string, tags: Record<string, string>, options: PollOptions): Promise<GalleryInfo> {
    const p = parts(id);
    try {
      const release = await this.pacer.pace(p.subscriptionId, "CreateUpdateGallery", options.signal);
      const poller = this.#client(p.subscriptionId).galleries.createOrUpdate(p.resourceGroup, p.gallery, { location, tags }, {
        updateIntervalInMs: options.updateIntervalInMs,
        abortSignal: options.signal,
      });
      await poller.submitted().finally(release);
      const gallery = await poller.pollUntilDone({ abortSignal: options.signal });
      return toGalleryInfo(gallery, id);
    } catch (error: unknown) {
      fail(error);
    }
  }

  async createDefinition(spec: DefinitionSpec, options: PollOptions): Promise<DefinitionInfo> {
    const p = parts(spec.id);
    const body: GalleryImage = {
      location: spec.location,
      tags: spec.tags,
      osType: spec.osType,
      osState: spec.osState,
      hyperVGeneration: spec.hyperVGeneration,
      identifier: { publisher: spec.publisher, offer: spec.offer, sku: spec.sku },
      // Explicit, because 2025-03-03 would otherwise default to TrustedLaunchSupported.
      features: [{ name: "SecurityType", value: spec.securityType }],
      ...(spec.architecture ? { architecture: spec.architecture } : {}),
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.eula ? { eula: spec.eula } : {}),
      ...(spec.releaseNoteUri ? { releaseNoteUri: spec.releaseNoteUri } : {}),
      ...(spec.privacyStatementUri ? { privacyStatementUri: spec.privacyStatementUri } : {}),
      ...(spec.endOfLifeDate ? { endOfLifeDate: new Date(spec.endOfLifeDate) } : {}),
      ...(spec.recommended ? { recommended: spec.recommended } : {}),
      ...(spec.purchasePlan ? { purchasePlan: spec.purchasePlan } : {}),
    };
    try {
      const release = await this.pacer.pace(p.subscriptionId, "CreateUpdateGalleryImage", options.signal);
      const poller = this.#client(p.subscriptionId).galleryImages.createOrUpdate(p.resourceGroup, p.gallery, p.definition ?? "", body, {
        updateIntervalInMs: options.updateIntervalInMs,
        abortSignal: options.signal,
      });
      await poller.submitted().finally(release);
      return toDefinitionInfo(await poller.pollUntilDone({ abortSignal: options.signal }), spec.id);
    } catch (error: unknown) {
      fail(error);
    }
  }

  async submitVersion(spec: VersionSpec, signal?: AbortSignal): Promise<{ poller: string }> {
    const p = parts(spec.id);
    const body: GalleryImageVersion = {
      location: spec.location,
      tags: spec.tags,
      publishingProfile: {
        targetRegions: spec.targetRegions.map((r) => ({
          name: r.name,
          ...(r.replicaCount !== undefined ? { regionalReplicaCount: r.replicaCount } : {}),
          ...(r.storageAccountType !== undefined ? { storageAccountType: r.storageAccountType as StorageAccountType } : {}),
          ...(r.excludeFromLatest !== undefined ? { excludeFromLatest: r.excludeFromLatest } : {}),
          ...(r.encryption ? { encryption: r.encryption } : {}),
        })),
        ...(spec.replicaCount !== undefined ? { replicaCount: spec.replicaCount } : {}),
        storageAccountType: spec.storageAccountType,
        ...(spec.excludeFromLatest !== undefined ? { excludeFromLatest: spec.excludeFromLatest } : {}),
        ...(spec.endOfLifeDate ? { endOfLifeDate: new Date(spec.endOfLifeDate) } : {}),
      },
      storageProfile: { source: { id: spec.sourceId } },
      safetyProfile: {
        allowDeletionOfReplicatedLocations: spec.allowDeletionOfReplicatedLocations,
        blockDeletionBeforeEndOfLife: spec.blockDeletionBeforeEndOfLife,
      },
    };
    try {
      const release = await this.pacer.pace(p.subscriptionId, "CreateUpdateGalleryImageVersion", signal);
      const poller = this.#client(p.subscriptionId, "noRetry").galleryImageVersions.createOrUpdate(
        p.resourceGroup,
        p.gallery,
        p.definition ?? "",
        p.version ?? "",
        body,
        { abortSignal: signal },
      );
      // The PUT is sent eagerly; submitted() is where its answer (or refusal) arrives.
      await poller.submitted().finally(release);
      return { poller: await poller.serialize() };
    } catch (error: unknown) {
      fail(error);
    }
  }

  async pollVersion(serialized: string, options: PollOptions): Promise<VersionInfo | undefined> {
    const url = initialUrlOf(serialized);
    const id = url ? new URL(url).pathname : "";
    const p = parseGalleryResourceId(id);
    const client = this.#client(p?.subscriptionId ?? "00000000-0000-0000-0000-000000000000");
    try {
      const poller = restorePoller(client, serialized, client.galleryImageVersions.createOrUpdate, {
        updateIntervalInMs: options.updateIntervalInMs,
        abortSignal: options.signal,
      });
      if (options.onPoll) {
        const onPoll = options.onPoll;
        poller.onProgress((state) => {
          if (state.status === "running" || state.status === "notStarted") onPoll();
        });
      }
      const version = await poller.pollUntilDone({ abortSignal: options.signal });
      return version ? toVersionInfo(version, id) : undefined;
    } catch (error: unknown) {
      fail(error);
    }
  }

  async deleteVersion(id: string, options: PollOptions): Promise<void> {
    const p = parts(id);
    await deleteToEnd(
      (lro) => this.#client(p.subscriptionId).galleryImageVersions.delete(p.resourceGroup, p.gallery, p.definition ?? "", p.version ?? "", lro),
      options,
    );
  }

  async deleteImage(id: string, options: PollOptions): Promise<void> {
    const p = imageParts(id);
    await deleteToEnd((lro) => this.#client(p.subscriptionId).images.delete(p.resourceGroup, p.name, lro), options);
  }
}

/** The initial request URL recorded in a serialized poller, if it parses. */
export function initialUrlOf(serialized: string): string | undefined {
  try {
    const state = (JSON.parse(serialized) as { state?: { config?: { initialRequestUrl?: unknown } } }).state;
    const url = state?.config?.initialRequestUrl;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

function toManagedImage(image: Image, fallbackId: string): ManagedImage {
  const id = image.id ?? fallbackId;
  const p = parseManagedImageId(id);
  const os = image.storageProfile?.osDisk;
  return {
    id,
    subscriptionId: p?.subscriptionId ?? "",
    resourceGroup: p?.resourceGroup ?? "",
    name: image.name ?? p?.name ?? "",
    location: shortRegion(image.location),
    provisioningState: image.provisioningState ?? "Succeeded",
    ...(os?.osType ? { osType: os.osType as OsType } : {}),
    ...(os?.osState ? { osState: os.osState as OsState } : {}),
    ...(image.hyperVGeneration ? { hyperVGeneration: image.hyperVGeneration as HyperVGeneration } : {}),
    zoneResilient: image.storageProfile?.zoneResilient === true,
    ...(os?.diskSizeGB !== undefined ? { osDiskSizeGB: os.diskSizeGB } : {}),
    dataDisks: (image.storageProfile?.dataDisks ?? []).map((d) => ({ lun: d.lun, ...(d.diskSizeGB !== undefined ? { sizeGB: d.diskSizeGB } : {}) })),
    tags: image.tags ?? {},
    ...(image.sourceVirtualMachine?.id ? { sourceVirtualMachineId: image.sourceVirtualMachine.id } : {}),
  };
}

function toGalleryInfo(gallery: Gallery, fallbackId: string): GalleryInfo {
  return {
    id: gallery.id ?? fallbackId,
    name: gallery.name ?? "",
    location: shortRegion(gallery.location),
    ...(gallery.provisioningState ? { provisioningState: gallery.provisioningState } : {}),
  };
}

function toDefinitionInfo(def: GalleryImage, fallbackId: string): DefinitionInfo {
  const securityType = def.features?.find((f) => f.name?.toLowerCase() === "securitytype")?.value;
  const eol = toIso(def.endOfLifeDate);
  return {
    id: def.id ?? fallbackId,
    name: def.name ?? "",
    location: shortRegion(def.location),
    osType: (def.osType ?? "Linux") as OsType,
    osState: (def.osState ?? "Generalized") as OsState,
    ...(def.hyperVGeneration ? { hyperVGeneration: def.hyperVGeneration as HyperVGeneration } : {}),
    ...(securityType ? { securityType } : {}),
    ...(def.architecture ? { architecture: def.architecture } : {}),
    publisher: def.identifier?.publisher ?? "",
    offer: def.identifier?.offer ?? "",
    sku: def.identifier?.sku ?? "",
    ...(eol ? { endOfLifeDate: eol } : {}),
    ...(def.provisioningState ? { provisioningState: def.provisioningState } : {}),
  };
}

function toVersionInfo(version: GalleryImageVersion, fallbackId: string): VersionInfo {
  const profile = version.publishingProfile;
  const eol = toIso(profile?.endOfLifeDate);
  const status = version.replicationStatus;
  const regions: RegionProgress[] = (status?.summary ?? []).map((s) => ({
    region: shortRegion(s.region ?? ""),
    state: (["Unknown", "Replicating", "Completed", "Failed"].includes(s.state ?? "") ? s.state : "Unknown") as RegionProgress["state"],
    ...(s.progress !== undefined ? { progress: s.progress } : {}),
    ...(s.details ? { details: s.details } : {}),
  }));
  return {
    id: version.id ?? fallbackId,
    name: version.name ?? "",
    location: shortRegion(version.location),
    ...(version.storageProfile?.source?.id ? { sourceId: version.storageProfile.source.id } : {}),
    ...(version.provisioningState ? { provisioningState: version.provisioningState } : {}),
    targetRegions: (profile?.targetRegions ?? []).map((r) => ({
      name: shortRegion(r.name),
      ...(r.regionalReplicaCount !== undefined ? { replicaCount: r.regionalReplicaCount } : {}),
      ...(r.storageAccountType !== undefined ? { storageAccountType: r.storageAccountType } : {}),
      ...(r.excludeFromLatest !== undefined ? { excludeFromLatest: r.excludeFromLatest } : {}),
    })),
    ...(profile?.replicaCount !== undefined ? { replicaCount: profile.replicaCount } : {}),
    ...(profile?.storageAccountType ? { storageAccountType: profile.storageAccountType } : {}),
    ...(eol ? { endOfLifeDate: eol } : {}),
    ...(profile?.excludeFromLatest !== undefined ? { excludeFromLatest: profile.excludeFromLatest } : {}),
    ...(status ? { replication: { aggregatedState: status.aggregatedState ?? "Unknown", regions } } : {}),
  };
}
