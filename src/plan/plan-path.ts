/** One step of a path into the plan document: a mapping key or a list index. */
export type PathSegment = string | number;

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Formats a path the way problems print it: `migrations[3].version.name`, `$` for the document. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (BARE_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === "" ? "$" : out;
}

/** Parses an ajv instancePath (a JSON pointer) into path segments; digits become list indexes. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}
