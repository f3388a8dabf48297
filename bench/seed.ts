/** Seed pieces shared by the emulator benchmarks. */
import type { SeedDefinition } from "../src/emulator/seed.js";

/** The `d`-th image definition of a benchmark gallery: Linux, generalized, V2, one SKU each. */
export function benchDefinition(d: number): SeedDefinition {
  return {
    name: `def-${d}`,
    osType: "Linux",
    osState: "Generalized",
    hyperVGeneration: "V2",
    publisher: "bench",
    offer: "bench",
    sku: `sku-${d}`,
  };
}
