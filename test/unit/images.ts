/** Managed-image fixtures shared by the unit tests that feed images to discover and preview. */
import type { ManagedImage } from "../../src/azure/port.js";

/** A Succeeded Linux V2 managed image with a 30 GB OS disk and no data disks or tags; `extra` overrides any field. */
export function linuxV2Image(subscriptionId: string, resourceGroup: string, name: string, location: string, extra: Partial<ManagedImage> = {}): ManagedImage {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/images/${name}`,
    subscriptionId,
    resourceGroup,
    name,
    location,
    provisioningState: "Succeeded",
    osType: "Linux",
    hyperVGeneration: "V2",
    zoneResilient: false,
    osDiskSizeGB: 30,
    dataDisks: [],
    tags: {},
    ...extra,
  };
}
