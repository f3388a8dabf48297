import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AzureReader, ManagedImage } from "../../../src/azure/port.js";
import { listAllImages } from "../../../src/discover/scan.js";
import { AzureUnavailableError, UsageError } from "../../../src/errors.js";

function image(sub: string, rg: string, name: string): ManagedImage {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/images/${name}`,
    subscriptionId: sub, resourceGroup: rg, name, location: "westeurope", provisioningState: "Succeeded",
    osType: "Linux", zoneResilient: false, dataDisks: [], tags: {},
  };
}

function failure(statusCode: number, code: string): Error {
  return Object.assign(new Error(`${code} happened`), { statusCode, code });
}

/** Subscription → resource group → images; a resource group absent from a subscription answers 404. */
function reader(data: Record<string, Record<string, ManagedImage[]> | Error>): AzureReader {
  async function* none(): AsyncIterable<never> {}
  return {
    armEndpoint: "https://x",
    getImage: async () => undefined,
    async *listImages(sub, rg) {
      const groups = data[sub];
      if (groups instanceof Error) throw groups;
      if (!groups) throw failure(404, "SubscriptionNotFound");
      if (rg !== undefined && !groups[rg]) throw failure(404, "ResourceGroupNotFound");
      for (const [name, images] of Object.entries(groups)) if (rg === undefined || rg === name) yield* images;
    },
    getGallery: async () => undefined,
    listGalleries: none,
    getDefinition: async () => undefined,
    listDefinitions: none,
    getVersion: async () => undefined,
    listVersions: none,
  };
}

describe("listing the images of several subscriptions", () => {
  const azure = reader({
    s1: { a: [image("s1", "a", "x"), image("s1", "a", "y")], b: [image("s1", "b", "z")] },
    s2: { a: [image("s2", "a", "w")] },
    s3: failure(403, "AuthorizationFailed"),
  });

  it("lists every subscription, and only the resource groups asked for", async () => {
    const lines: string[] = [];
    const all = await listAllImages(azure, ["s1", "s2"], [], (l) => lines.push(l));
    assert.deepEqual(all.map((i) => i.name).sort(), ["w", "x", "y", "z"]);
    const some = await listAllImages(azure, ["s1", "s2"], ["b"], (l) => lines.push(l));
    assert.deepEqual(some.map((i) => i.name), ["z"]);
    assert.ok(lines.includes("resource group b not found in subscription s2"));
  });

  it("is a usage error when a resource group exists in none of the subscriptions", async () => {
    await assert.rejects(listAllImages(azure, ["s1", "s2"], ["nope"], () => {}), (e: unknown) => e instanceof UsageError && /resource group nope was not found/.test(e.message));
  });

  it("names the missing role when listing is refused (exit 3)", async () => {
    await assert.rejects(listAllImages(azure, ["s3"], [], () => {}), (e: unknown) => e instanceof AzureUnavailableError && /needs the Reader role/.test(e.message));
  });
});
