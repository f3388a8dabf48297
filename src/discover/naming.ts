/**
 * Names `discover` invents: image definition names, offers and skus that the service accepts
 * (FACTS.md §3.1), made unique, and the version-like suffix `--group-by name` groups on.
 */

/** Longest image definition name the service accepts. */
export const DEFINITION_NAME_MAX = 80;
/** Longest offer and sku the service accepts (publisher is 128). */
export const OFFER_SKU_MAX = 64;
/** Longest publisher the service accepts. */
export const PUBLISHER_MAX = 128;

const DEFINITION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$/;
const IDENTIFIER = /^[A-Za-z0-9._-]+$/;

/** True when the service accepts `name` as an image definition name (alnum ends; alnum, `_`, `-`, `.` inside; ≤ 80). */
export function isValidDefinitionName(name: string): boolean {
  return DEFINITION_NAME.test(name);
}

/** True when the service accepts `value` as a publisher, offer or sku of at most `max` characters. */
export function isValidIdentifier(value: string, max: number): boolean {
  return value.length > 0 && value.length <= max && IDENTIFIER.test(value) && !value.endsWith(".");
}

function trimToAlnumEnds(value: string): string {
  return value.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}

/**
 * Turns any name (a managed image's, a resource group's) into a valid definition name of at most
 * `max` characters; managed image names may end with `_`, which definitions refuse.
 */
export function toDefinitionName(raw: string, max = DEFINITION_NAME_MAX): string {
  const cleaned = trimToAlnumEnds(raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-{2,}/g, "-"));
  const cut = trimToAlnumEnds(cleaned.slice(0, max));
  return cut.length > 0 ? cut : "image";
}

/** Turns any text into a valid offer or sku (letters, digits, `.`, `_`, `-`; no trailing `.`; ≤ 64). */
export function toIdentifier(raw: string, max = OFFER_SKU_MAX): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[-.]+/, "");
  const cut = cleaned.slice(0, max).replace(/[.-]+$/, "");
  return cut.length > 0 ? cut : "image";
}

/**
 * Hands out names unique case-insensitively (ARM names are), appending `-2`, `-3`… and
 * shortening the stem so the result still fits `max` and keeps alphanumeric ends.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  constructor(
    private readonly max: number,
    taken: Iterable<string> = [],
  ) {
    for (const name of taken) this.taken.add(name.toLowerCase());
  }

  /** Marks a name as used without handing it out (e.g. one that already exists in Azure). */
  reserve(name: string): void {
    this.taken.add(name.toLowerCase());
  }

  /** True when the name is already handed out or reserved. */
  has(name: string): boolean {
    return this.taken.has(name.toLowerCase());
  }

  /** Returns `wanted` or the first free `wanted-N`, and marks it used. */
  claim(wanted: string): string {
    let candidate = wanted;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n += 1) {
      const suffix = `-${n}`;
      candidate = `${trimToAlnumEnds(wanted.slice(0, this.max - suffix.length))}${suffix}`;
    }
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}

/** A name split into its stem and a version-like suffix (`web-2024-01` → `web` + `2024-01`). */
export interface VersionedName {
  stem: string;
  /** The suffix as written, e.g. `2024-01`, `v3`, `20240101`. */
  suffix: string;
  /** The suffix's numbers, for ordering `app-v9` before `app-v10`. */
  numbers: number[];
}

// A separator, then an optional `v`, then digits, optionally more digit groups: `-2024-01`, `_v3`, `.20240101`, `-v1.2`.
const VERSION_SUFFIX = /^(.*?[A-Za-z0-9])[-_.](v?\d+(?:[-_.]\d+)*)$/i;

/** Splits off a version-like suffix, or returns undefined when the name has none. */
export function splitVersionSuffix(name: string): VersionedName | undefined {
  const m = VERSION_SUFFIX.exec(name);
  if (!m) return undefined;
  const stem = m[1]!;
  // A stem made only of digits (`2024-01`) is itself a version, not a family name.
  if (/^\d+$/.test(stem)) return undefined;
  const suffix = m[2]!;
  const numbers = suffix.replace(/^v/i, "").split(/[-_.]/).map(Number);
  return { stem, suffix, numbers };
}

/** Orders names naturally: equal stems by their numbers, so `app-v9` comes before `app-v10`. */
export function compareVersionedNames(a: string, b: string): number {
  const va = splitVersionSuffix(a);
  const vb = splitVersionSuffix(b);
  if (va && vb && va.stem.toLowerCase() === vb.stem.toLowerCase()) {
    const length = Math.max(va.numbers.length, vb.numbers.length);
    for (let i = 0; i < length; i += 1) {
      const d = (va.numbers[i] ?? -1) - (vb.numbers[i] ?? -1);
      if (d !== 0) return d;
    }
  }
  return a.localeCompare(b, "en");
}
