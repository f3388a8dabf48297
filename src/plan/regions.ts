import regionsData from "../data/regions.json" with { type: "json" };
import { shortRegion } from "../util/arm-id.js";
import { closest } from "./suggest.js";

/** A region as the plan resolves it: short name plus the display name the service echoes back. */
export interface RegionName {
  name: string;
  displayName: string;
}

// A JSON module, so the compiler copies the list into dist/ beside the code that needs it.
const known: ReadonlyMap<string, RegionName> = new Map(
  regionsData.regions.map((r) => [r.name, { name: r.name, displayName: r.displayName }] as const),
);

/** Every public region of the built-in list, by short name. */
export function knownRegions(): ReadonlyMap<string, RegionName> {
  return known;
}

/**
 * Resolves `westeurope`, `West Europe` (any case or spacing) to the short and display name, from the
 * built-in public list or the plan's `execution.extraRegions`; undefined when neither knows it.
 */
export function resolveRegion(name: string, extra: readonly RegionName[] = []): RegionName | undefined {
  const short = shortRegion(name);
  const builtIn = known.get(short);
  if (builtIn) return builtIn;
  return extra.find((r) => r.name === short);
}

/** The short name of the known region closest to a misspelt one, if any is close. */
export function suggestRegion(name: string, extra: readonly RegionName[] = []): string | undefined {
  // Hyphens and underscores are a common slip (`west-europe`); ARM names have neither.
  const short = shortRegion(name).replace(/[-_]/g, "");
  const exact = resolveRegion(short, extra);
  if (exact) return exact.name;
  return closest(short, [...known.keys(), ...extra.map((r) => r.name)]);
}

/** The display name of a short region name (`westeurope` → `West Europe`); the name itself when unknown. */
export function regionDisplayName(shortName: string, extra: readonly RegionName[] = []): string {
  return resolveRegion(shortName, extra)?.displayName ?? shortName;
}
