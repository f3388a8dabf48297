import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import { InputError } from "../errors.js";
import { STATE_SCHEMA_VERSION } from "./types.js";
import type { ItemState, StateDocument } from "./types.js";

/** One line of the journal: a full item record (idempotent to replay) or the removal of one. */
export type JournalEntry = { op: "put"; at: string; item: ItemState } | { op: "remove"; at: string; key: string };

let validators: Promise<{ document: ValidateFunction; item: ValidateFunction }> | undefined;

/** Compiles `schemas/state.schema.json` once; it ships beside `dist/` in the package. */
function stateValidators(): Promise<{ document: ValidateFunction; item: ValidateFunction }> {
  validators ??= (async () => {
    const schema = JSON.parse(await readFile(new URL("../../../schemas/state.schema.json", import.meta.url), "utf8")) as { $id: string };
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addSchema(schema);
    return { document: ajv.getSchema(schema.$id)!, item: ajv.compile({ $ref: `${schema.$id}#/definitions/item` }) };
  })();
  return validators;
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath === "" ? "$" : e.instancePath}: ${e.message ?? "invalid"}`)
    .join("; ");
}

/**
 * What a credential looks like inside a record (also inside a serialized poller, where quotes are
 * escaped): an Authorization header, a bearer token, a JWT, a client secret, a SAS signature.
 */
const SECRET_SHAPES: readonly RegExp[] = [
  /authorization\\*"\s*:/i,
  /\bbearer\s+[A-Za-z0-9\-_.=~+/]{16,}/i,
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/,
  /client_secret/i,
  /[?&]sig=[A-Za-z0-9%]{10,}/,
];

let loadedItemValidator: ValidateFunction | undefined;

/** Loads the state schema, so that `checkItem` can run synchronously afterwards. */
export async function loadStateSchema(): Promise<void> {
  loadedItemValidator = (await stateValidators()).item;
}

/** Checks one item record before it is written, so that a bug can never make the state unreadable or leak a secret into it. */
export function checkItem(item: ItemState): void {
  const validate = loadedItemValidator;
  if (!validate) throw new Error("the state schema is not loaded yet (call loadStateSchema first)");
  const valid: boolean = validate(item);
  if (!valid) throw new TypeError(`refusing to write an invalid state item ${JSON.stringify(item.key)}: ${describeErrors(validate)}`);
  const text = JSON.stringify(item);
  const leak = SECRET_SHAPES.find((shape) => shape.test(text));
  if (leak) throw new TypeError(`refusing to write state item ${JSON.stringify(item.key)}: it holds what looks like a credential (${leak.source})`);
}

const REMEDY = "restore it from a backup, or move it aside to start afresh (a run then re-plans every item, adopting what already exists in Azure)";

/** Parses and validates a state document's text, throwing an InputError that names the file. */
export async function parseDocument(text: string, file: string): Promise<StateDocument> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error: unknown) {
    throw new InputError(`state ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); ${REMEDY}`);
  }
  if (typeof value === "object" && value !== null && "schemaVersion" in value && value.schemaVersion !== STATE_SCHEMA_VERSION) {
    throw new InputError(
      `state ${file} has schemaVersion ${JSON.stringify(value.schemaVersion)}, this acg-migrate reads ${STATE_SCHEMA_VERSION}; use the acg-migrate version that wrote it, or ${REMEDY}`,
    );
  }
  await checkDocument(value, file);
  return value as StateDocument;
}

/** Validates a document (also after a journal was applied) against the state schema. */
export async function checkDocument(value: unknown, file: string): Promise<void> {
  const { document: validate } = await stateValidators();
  if (validate(value)) return;
  throw new InputError(`state ${file} is not a valid acg-migrate state (${describeErrors(validate)}); ${REMEDY}`);
}

/**
 * Parses journal text. A last line without its newline, or that does not parse, is a write torn by a
 * crash and is ignored; a bad line followed by good ones means the file was damaged otherwise.
 */
export function parseJournal(text: string, file: string): JournalEntry[] {
  const lines = text.split("\n");
  const entries: JournalEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const last = i === lines.length - 1 || lines.slice(i + 1).every((rest) => rest.trim() === "");
    const entry = parseEntry(line);
    if (entry) {
      // A last line that parses but lacks its newline is a whole record (a JSON object's prefix
      // never parses); it was not acknowledged yet, and applying it is as right as dropping it.
      entries.push(entry);
    } else if (!last) {
      throw new InputError(`state journal ${file} is damaged at line ${i + 1} (not a journal entry); ${REMEDY}`);
    }
  }
  return entries;
}

function parseEntry(line: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(line) as { op?: unknown; item?: { key?: unknown } | null; key?: unknown } | null;
    if (value?.op === "put" && typeof value.item === "object" && value.item !== null && typeof value.item.key === "string") return value as JournalEntry;
    if (value?.op === "remove" && typeof value.key === "string") return value as JournalEntry;
    return undefined;
  } catch {
    return undefined;
  }
}

/** Folds journal entries into a document, in order (entries are whole records, so a replay is idempotent). */
export function applyJournal(doc: StateDocument, entries: readonly JournalEntry[]): StateDocument {
  for (const entry of entries) {
    if (entry.op === "put") doc.items[entry.item.key] = entry.item;
    else delete doc.items[entry.key];
    if (entry.at > doc.updatedAt) doc.updatedAt = entry.at;
  }
  return doc;
}
