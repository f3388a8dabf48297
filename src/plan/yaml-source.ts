import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Document, Node, Pair } from "yaml";
import { InputError, messageOf } from "../errors.js";
import type { Position } from "./types.js";
import type { PathSegment } from "./plan-path.js";

/** Plans larger than this are refused before reading: a real plan of 5,000 migrations is about 2 MiB. */
export const MAX_PLAN_BYTES = 10 * 1024 * 1024;

/**
 * The yaml library's alias budget (uses of an anchor times the nodes each use expands to): a plan may
 * reuse one anchor thousands of times, but a "billion laughs" document exceeds it at once.
 */
export const MAX_ALIAS_COUNT = 10_000;

/** Where a problem points before it gets a file position: a path, and whether the key or the value is meant. */
export interface Finding {
  path: PathSegment[];
  message: string;
  /** `key` points at the mapping key itself (unknown fields); default is the value. */
  at?: "key" | "value";
}

/** A YAML problem that already knows its position (syntax errors have no JSON path). */
export interface PositionedFinding extends Finding {
  position: Position;
}

/** A parsed plan file: the plain value plus what is needed to map paths back to lines and columns. */
export interface YamlSource {
  /** The JavaScript value of the document, or undefined when the YAML itself is unusable. */
  value: unknown;
  /** YAML-level problems: syntax, duplicate keys, tags, aliases. */
  problems: PositionedFinding[];
  /** Position of the node at `path`, or of the deepest node of it the file has. */
  positionOf(path: readonly PathSegment[], at?: "key" | "value"): Position;
  /** The source text of the scalar at `path` (`1.0` where the value is the number 1), if it is one. */
  rawText(path: readonly PathSegment[]): string | undefined;
}

const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/**
 * Reads a plan file as text, refusing what cannot be a plan with one clear message each.
 * @throws InputError for a missing, unreadable, empty, binary or oversized file, or a directory.
 */
export async function readPlanText(file: string, cwd?: string): Promise<string> {
  // resolve() falls back to the working directory itself when none is given.
  const full = cwd === undefined ? resolve(file) : resolve(cwd, file);
  const fail = (why: string): never => {
    throw new InputError(`${file}: ${why}`);
  };
  let size: number;
  try {
    const info = await stat(full);
    if (info.isDirectory()) fail("is a directory, not a plan file");
    if (!info.isFile()) fail("is not a regular file");
    size = info.size;
  } catch (error: unknown) {
    if (error instanceof InputError) throw error;
    return fail(describeFsError(error));
  }
  if (size > MAX_PLAN_BYTES) fail(`is ${(size / 1024 / 1024).toFixed(1)} MiB; plans are limited to ${MAX_PLAN_BYTES / 1024 / 1024} MiB`);
  let bytes: Buffer;
  try {
    bytes = await readFile(full);
  } catch (error: unknown) {
    return fail(describeFsError(error));
  }
  if (bytes.length === 0) fail("is empty; a plan needs `version: 1` and `migrations`");
  // Windows editors may save UTF-16, which is full of NUL bytes but not binary.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) fail("is UTF-16 text; save the plan as UTF-8");
  if (bytes.includes(0)) fail("is a binary file, not a YAML plan");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fail("is not UTF-8 text; save the plan as UTF-8");
  }
  if (text.trim() === "") fail("is empty; a plan needs `version: 1` and `migrations`");
  return text;
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "no such file (a part of the path is not a directory)";
  if (code === "EISDIR") return "is a directory, not a plan file";
  return `cannot be read: ${messageOf(error)}`;
}

/** Parses plan text with positions; YAML problems are collected, never thrown. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: PositionedFinding[] = [];
  for (const error of doc.errors) {
    problems.push({ path: [], position: position(error.pos[0]), message: yamlErrorMessage(error.code, error.message, text, error.pos[0]) });
  }
  for (const warning of doc.warnings) {
    if (warning.code === "TAG_RESOLVE_FAILED") continue; // reported below with the tag's name
    problems.push({ path: [], position: position(warning.pos[0]), message: `YAML: ${warning.message}` });
  }
  const positionOf = (path: readonly PathSegment[], at: "key" | "value" = "value"): Position =>
    position(offsetOf(doc, path, at));
  const rawText = (path: readonly PathSegment[]): string | undefined => {
    const node = doc.getIn(path as PathSegment[], true);
    if (!isScalar(node) || !node.range) return undefined;
    return text.slice(node.range[0], node.range[1]).trim();
  };

  // Tags: a plan is plain data; `!include`, `!!binary` and the like would mean something we ignore.
  const tagged: PositionedFinding[] = [];
  let aliases = 0;
  let firstAlias: number | undefined;
  // Tags need a `!` and aliases a `*` in the text; most plans have neither, and the walk costs ~10% of a big parse.
  const mayHaveTagsOrAliases = text.includes("!") || text.includes("*");
  if (mayHaveTagsOrAliases) visit(doc, {
    Alias(_key, node) {
      aliases++;
      firstAlias ??= node.range?.[0];
    },
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !CORE_TAGS.has(tag)) {
        const offset = tagOffset(text, node.range?.[0] ?? 0, tag);
        tagged.push({ path: [], position: position(offset), message: `custom tag \`${shortTag(tag)}\` is not allowed; write plain YAML values` });
      }
    },
  });
  problems.push(...tagged);
  if (problems.length > 0) return { value: undefined, problems: sortFindings(problems), positionOf, rawText };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error: unknown) {
    const where = position(firstAlias ?? 0);
    const message =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `aliases expand too much (${aliases} aliases; a plan may expand at most ${MAX_ALIAS_COUNT} nodes through one anchor)`
        : `YAML: ${messageOf(error)}`;
    return { value: undefined, problems: [{ path: [], position: where, message }], positionOf, rawText };
  }
  return { value, problems, positionOf, rawText };
}

function sortFindings(problems: PositionedFinding[]): PositionedFinding[] {
  return problems.sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
}

function yamlErrorMessage(code: string, message: string, text: string, offset: number): string {
  if (code === "DUPLICATE_KEY") {
    const key = /^[^\s:,}\]]+|^"[^"]*"|^'[^']*'/.exec(text.slice(offset))?.[0];
    return key ? `duplicate key \`${key.replace(/^["']|["']$/g, "")}\`` : "duplicate key";
  }
  if (code === "MULTIPLE_DOCS") return "a plan is one YAML document; this `---` starts a second one";
  // The library's messages are already good; say where they come from and keep them on one line.
  return `YAML syntax error: ${message.split("\n")[0]!.replace(/\.$/, "")}`;
}

function shortTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}

// The node's range starts at its value; the tag is written just before it (`!foo bar`).
function tagOffset(text: string, valueOffset: number, tag: string): number {
  const short = shortTag(tag);
  const found = text.lastIndexOf(short, valueOffset);
  return found >= 0 && valueOffset - found < 200 ? found : valueOffset;
}

function offsetOf(doc: Document, path: readonly PathSegment[], at: "key" | "value"): number {
  let node: Node | null = doc.contents as Node | null;
  if (!node) return 0;
  for (let i = 0; i < path.length; i++) {
    node = deref(doc, node);
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = (node.items as Pair<unknown, unknown>[]).find((p) => keyText(p.key) === String(segment));
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      if ((last && at === "key") || pair.value === null || pair.value === undefined) return keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
      node = pair.value as Node;
      // An empty value (`name:`) has a zero-width node after the colon; the key is where the eye goes.
      if (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1]) return keyNode?.range?.[0] ?? 0;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      node = item;
    } else {
      break;
    }
  }
  return node.range?.[0] ?? 0;
}

function deref(doc: Document, node: Node): Node {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === "string") return key;
  return undefined;
}
