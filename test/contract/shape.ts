/**
 * Structural comparison of two JSON bodies: the key sets at every level, arrays element by element.
 * Paths are written `properties.publishingProfile.targetRegions[].name` (array indexes folded) so
 * that an allowance names a field wherever it occurs.
 */
export interface ShapeDifference {
  path: string;
  kind: "missing" | "extra" | "type" | "length";
  detail?: string;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Differences between the expected and actual shapes (keys and JSON types, not values). */
export function compareShape(expected: unknown, actual: unknown, path = ""): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  const here = path === "" ? "$" : path;
  const te = kindOf(expected);
  const ta = kindOf(actual);
  if (te !== ta) {
    out.push({ path: here, kind: "type", detail: `${te} expected, ${ta} found` });
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push({ path: here, kind: "length", detail: `${expected.length} expected, ${actual.length} found` });
    for (let i = 0; i < Math.min(expected.length, actual.length); i += 1) out.push(...compareShape(expected[i], actual[i], `${path}[]`));
    return out;
  }
  if (te === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      const child = path === "" ? key : `${path}.${key}`;
      if (!(key in a)) out.push({ path: child, kind: "missing" });
      else out.push(...compareShape(e[key], a[key], child));
    }
    for (const key of Object.keys(a)) if (!(key in e)) out.push({ path: path === "" ? key : `${path}.${key}`, kind: "extra" });
  }
  return out;
}

/** Removes the differences an allowance explains; `allow` maps `kind:path` (or `*:path`) to the reason. */
export function unexplained(differences: readonly ShapeDifference[], allow: Readonly<Record<string, string>>): ShapeDifference[] {
  return differences.filter((d) => {
    for (const key of [`${d.kind}:${d.path}`, `*:${d.path}`]) if (allow[key] !== undefined) return false;
    // An allowance for a field covers everything beneath it.
    return !Object.keys(allow).some((key) => {
      const [kind, allowed] = key.split(":", 2) as [string, string];
      return (kind === "*" || kind === d.kind) && d.path.startsWith(`${allowed}.`);
    });
  });
}

/** Values at a folded path (`properties.publishingProfile.targetRegions[].name`), in document order. */
export function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const raw of path.split(".")) {
    const isArray = raw.endsWith("[]");
    const key = isArray ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const node of current) {
      if (node === null || typeof node !== "object" || Array.isArray(node)) continue;
      const child = (node as Record<string, unknown>)[key];
      if (child === undefined) continue;
      if (isArray && Array.isArray(child)) next.push(...child);
      else if (!isArray) next.push(child);
    }
    current = next;
  }
  return current;
}
