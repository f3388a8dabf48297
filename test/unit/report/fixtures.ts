// Small, fully typed states and plans for the report tests.
import type { Migration, Plan } from "../../../src/plan/types.js";
import type { ItemState, StateDocument } from "../../../src/state/types.js";

export const SUB = "00000000-0000-0000-0000-000000000001";
export const GALLERY = `/subscriptions/${SUB}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery`;

/** The ARM id of a managed image in rg-images. */
export function imageId(name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/images/${name}`;
}

/** The ARM id of a version of a definition of corpGallery. */
export function versionKey(definition: string, version: string): string {
  return `${GALLERY}/images/${definition}/versions/${version}`;
}

/** A state record for `image` → `definition`/`version`. */
export function stateItem(image: string, definition: string, version: string, status: ItemState["status"], extra: Partial<ItemState> = {}): ItemState {
  return {
    key: versionKey(definition, version),
    fingerprint: `fp-${definition}-${version}`,
    status,
    attempts: 1,
    updatedAt: "2026-03-01T10:00:00.000Z",
    sourceId: imageId(image),
    definitionId: `${GALLERY}/images/${definition}`,
    versionId: versionKey(definition, version),
    galleryId: GALLERY,
    ...extra,
  };
}

/** A state document holding `items` in order. */
export function stateDoc(items: ItemState[]): StateDocument {
  return {
    schemaVersion: 1,
    armEndpoint: "https://127.0.0.1:8443",
    plan: "migrations.yaml",
    createdAt: "2026-03-01T09:00:00.000Z",
    updatedAt: "2026-03-01T10:00:00.000Z",
    items: Object.fromEntries(items.map((i) => [i.key, i])),
  };
}

/** A resolved migration, as loadPlan would produce it. */
export function migration(index: number, image: string, definition: string, version: string, regions: string[] = ["westeurope"]): Migration {
  return {
    index,
    key: versionKey(definition, version),
    position: { line: 10 + index * 5, column: 5 },
    gallery: { subscriptionId: SUB, resourceGroup: "rg-gallery", name: "corpGallery", create: false, id: GALLERY },
    source: { id: imageId(image), subscriptionId: SUB, resourceGroup: "rg-images", name: image },
    definition: { name: definition, id: `${GALLERY}/images/${definition}`, publisher: "Contoso", offer: "o", sku: "s", securityType: "Standard" },
    version: {
      name: version,
      id: versionKey(definition, version),
      targetRegions: regions.map((name) => ({ name, displayName: name })),
      allowRegionRemoval: false,
    },
    tags: {},
    fingerprint: `fp-${definition}-${version}`,
  };
}

/** A plan of the given migrations. */
export function plan(migrations: Migration[]): Plan {
  return { file: "plans/migrations.yaml", execution: { extraRegions: [] }, migrations, warnings: [] };
}
