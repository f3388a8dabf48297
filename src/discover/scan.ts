/**
 * The reads `discover` makes: every managed image of the scopes asked for (all pages), and what
 * the target gallery and its region already hold. Reader only: nothing here can write.
 */
import type { AzureReader, ManagedImage, VersionInfo } from "../azure/port.js";
import { AzureUnavailableError, UsageError, messageOf } from "../errors.js";
import { galleryId, shortRegion } from "../util/arm-id.js";
import type { ExistingGallery } from "./build-plan.js";

/** HTTP status and service code of an adapter error, read without depending on its class. */
export function httpFailure(error: unknown): { statusCode?: number; code?: string } {
  if (typeof error !== "object" || error === null) return {};
  const e = error as { statusCode?: unknown; code?: unknown };
  return {
    ...(typeof e.statusCode === "number" ? { statusCode: e.statusCode } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
  };
}

/** Lists the images of every subscription (and resource group, when given), reporting progress per scope. */
export async function listAllImages(
  reader: AzureReader,
  subscriptions: string[],
  resourceGroups: string[],
  progress: (line: string) => void,
  signal?: AbortSignal,
): Promise<ManagedImage[]> {
  const images = new Map<string, ManagedImage>();
  const missingGroups = new Map<string, string[]>();
  for (const subscription of subscriptions) {
    for (const group of resourceGroups.length > 0 ? resourceGroups : [undefined]) {
      const scope = group === undefined ? `subscription ${subscription}` : `resource group ${group} of subscription ${subscription}`;
      let count = 0;
      try {
        for await (const image of reader.listImages(subscription, group, signal)) {
          images.set(image.id.toLowerCase(), image);
          count += 1;
        }
      } catch (error: unknown) {
        const { statusCode, code } = httpFailure(error);
        if (group !== undefined && (code === "ResourceGroupNotFound" || statusCode === 404)) {
          missingGroups.set(group, [...(missingGroups.get(group) ?? []), subscription]);
          progress(`resource group ${group} not found in subscription ${subscription}`);
          continue;
        }
        if (statusCode === 403 || statusCode === 401) {
          throw new AzureUnavailableError(
            `cannot list the managed images of ${scope}: ${messageOf(error)} (discover needs the Reader role on it)`,
            { cause: error },
          );
        }
        if (code === "SubscriptionNotFound" || (group === undefined && statusCode === 404)) {
          throw new UsageError(`subscription ${subscription} not found: ${messageOf(error)}`);
        }
        throw error;
      }
      progress(`${scope}: ${count} managed image(s)`);
    }
  }
  for (const [group, subs] of missingGroups) {
    if (subs.length === subscriptions.length) {
      throw new UsageError(`resource group ${group} was not found in subscription(s) ${subs.join(", ")}`);
    }
  }
  return [...images.values()];
}

/** What the target gallery holds (definitions and their versions), or undefined when it does not exist yet. */
export async function readExistingGallery(
  reader: AzureReader,
  gallery: { subscriptionId: string; resourceGroup: string; name: string },
  signal?: AbortSignal,
): Promise<ExistingGallery | undefined> {
  const id = galleryId(gallery.subscriptionId, gallery.resourceGroup, gallery.name);
  const info = await reader.getGallery(id, signal);
  if (!info) return undefined;
  const definitions = [];
  const versions: VersionInfo[] = [];
  for await (const definition of reader.listDefinitions(info.id, signal)) {
    definitions.push(definition);
    for await (const version of reader.listVersions(definition.id, signal)) versions.push(version);
  }
  return { location: shortRegion(info.location), definitions, versions };
}

/** Counts the image definitions every gallery of the subscription holds in one region (the per-region limit's scope). */
export async function countDefinitionsInRegion(reader: AzureReader, subscriptionId: string, region: string, signal?: AbortSignal): Promise<number> {
  let count = 0;
  for await (const gallery of reader.listGalleries(subscriptionId, signal)) {
    if (shortRegion(gallery.location) !== region) continue;
    for await (const definition of reader.listDefinitions(gallery.id, signal)) {
      if (shortRegion(definition.location) === region) count += 1;
    }
  }
  return count;
}
