import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AzureReader, VersionInfo } from "../../../src/azure/port.js";
import type { Migration, Plan } from "../../../src/plan/types.js";
import { selectCleanup } from "../../../src/preview/cleanup.js";
import type { ItemState, ItemStatus, StateDocument } from "../../../src/state/types.js";

const SUB = "00000000-0000-0000-0000-000000000001";
const DEF = `/subscriptions/${SUB}/resourceGroups/rg-g/providers/Microsoft.Compute/galleries/g/images/d`;
const img = (name: string): string => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/${name}`;

function migration(index: number, source: string, version: string): Migration {
  const id = `${DEF}/versions/${version}`;
  return {
    index,
    key: id,
    position: { line: 1, column: 1 },
    gallery: { subscriptionId: SUB, resourceGroup: "rg-g", name: "g", create: false, id: DEF.replace(/\/images\/d$/, "") },
    source: { id: img(source), subscriptionId: SUB, resourceGroup: "rg", name: source },
    definition: { name: "d", id: DEF, publisher: "p", offer: "o", sku: "s", securityType: "Standard" },
    version: { name: version, id, targetRegions: [], allowRegionRemoval: false },
    tags: {},
    fingerprint: "f",
  };
}

function state(statuses: Record<string, ItemStatus | [ItemStatus, string]>): StateDocument {
  const items: Record<string, ItemState> = {};
  for (const [version, s] of Object.entries(statuses)) {
    const [status, deletedAt] = Array.isArray(s) ? s : [s, undefined];
    const key = `${DEF}/versions/${version}`;
    items[key] = {
      key, fingerprint: "f", status, attempts: 1, updatedAt: "2026-01-01T00:00:00Z", sourceId: "", definitionId: DEF, versionId: key, galleryId: "",
      ...(deletedAt ? { sourceDeletedAt: deletedAt } : {}),
    };
  }
  return { schemaVersion: 1, armEndpoint: "https://x", plan: "p.yaml", createdAt: "", updatedAt: "", items };
}

function reader(versions: Record<string, Partial<VersionInfo>>, images: string[]): AzureReader {
  async function* none(): AsyncIterable<never> {}
  return {
    armEndpoint: "https://x",
    getImage: async (id) => (images.some((n) => img(n) === id) ? ({ id } as never) : undefined),
    listImages: none,
    getGallery: async () => undefined,
    listGalleries: none,
    getDefinition: async () => undefined,
    listDefinitions: none,
    getVersion: async (id) => {
      const v = versions[id.split("/").pop()!];
      return v ? ({ id, name: "", location: "westeurope", targetRegions: [], ...v } as VersionInfo) : undefined;
    },
    listVersions: none,
  };
}

const replicated = (source: string): Partial<VersionInfo> => ({
  sourceId: img(source),
  provisioningState: "Succeeded",
  replication: { aggregatedState: "Completed", regions: [{ region: "westeurope", state: "Completed" }] },
});

describe("cleanup's choice", () => {
  it("deletes only sources whose every item is done and whose versions replicated everywhere", async () => {
    const plan = {
      file: "p.yaml",
      execution: { extraRegions: [] },
      warnings: [],
      migrations: [
        migration(0, "a", "1.0.0"),
        migration(1, "b", "2.0.0"),
        migration(2, "b", "3.0.0"),
        migration(3, "c", "4.0.0"),
        migration(4, "e", "5.0.0"),
        migration(5, "f", "6.0.0"),
      ],
    } satisfies Plan;
    const st = state({ "1.0.0": "done", "2.0.0": "done", "3.0.0": "failed", "4.0.0": "done", "5.0.0": ["done", "2026-01-02T00:00:00Z"], "6.0.0": "done" });
    const azure = reader(
      {
        "1.0.0": replicated("a"),
        "2.0.0": replicated("b"),
        "4.0.0": { ...replicated("c"), replication: { aggregatedState: "InProgress", regions: [{ region: "westeurope", state: "Completed" }, { region: "northeurope", state: "Replicating" }] } },
        "6.0.0": replicated("f"),
      },
      ["a", "b", "c", "e"],
    );
    const selection = await selectCleanup(plan, st, azure);
    assert.deepEqual(selection.delete.map((c) => c.sourceId), [img("a")]);
    assert.deepEqual(
      selection.skip.map((s) => `${s.sourceId.split("/").pop()}: ${s.reason}`),
      [
        "b: still needed: item d/3.0.0 is failed, not done",
        "c: not verified: version d/4.0.0 has not finished replicating (InProgress: northeurope Replicating)",
        "e: already deleted by cleanup at 2026-01-02T00:00:00Z",
        "f: the managed image no longer exists",
      ],
    );
  });
});
