/** Builds and parses the ARM resource ids the tool deals with (case kept as written). */

export interface ManagedImageIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const IMAGE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/images\/([^/]+)$/i;

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/images/{name}`. */
export function managedImageId(p: ManagedImageIdParts): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Compute/images/${p.name}`;
}

/** Parses a managed image id, or returns undefined when it is not one. */
export function parseManagedImageId(id: string): ManagedImageIdParts | undefined {
  const m = IMAGE_ID.exec(id);
  if (!m) return undefined;
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{g}`. */
export function galleryId(subscriptionId: string, resourceGroup: string, gallery: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/galleries/${gallery}`;
}

/** The image definition id under a gallery id. */
export function definitionId(gallery: string, definition: string): string {
  return `${gallery}/images/${definition}`;
}

/** The image version id under a definition id. */
export function versionId(definition: string, version: string): string {
  return `${definition}/versions/${version}`;
}

export interface GalleryResourceParts {
  subscriptionId: string;
  resourceGroup: string;
  gallery: string;
  definition?: string;
  version?: string;
}

const GALLERY_RESOURCE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)(?:\/images\/([^/]+)(?:\/versions\/([^/]+))?)?$/i;

/** Parses a gallery, definition or version id. */
export function parseGalleryResourceId(id: string): GalleryResourceParts | undefined {
  const m = GALLERY_RESOURCE.exec(id);
  if (!m) return undefined;
  return {
    subscriptionId: m[1]!,
    resourceGroup: m[2]!,
    gallery: m[3]!,
    ...(m[4] !== undefined ? { definition: m[4] } : {}),
    ...(m[5] !== undefined ? { version: m[5] } : {}),
  };
}

/** ARM ids compare case-insensitively. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Short region name from either form (`West Europe` → `westeurope`), as ARM itself derives it. */
export function shortRegion(name: string): string {
  return name.toLowerCase().replace(/\s+/g, "");
}
