import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";

/**
 * The REST spec copied into test/fixtures/spec, converted from Swagger 2.0 to JSON Schema for ajv:
 * `x-ms-*` extensions, `x-nullable`, `discriminator` and `example` are dropped; an enum marked
 * `x-ms-enum.modelAsString: true` is extensible, so its `enum` is dropped too; `readOnly` stays as
 * an annotation (these are response bodies, where read-only fields belong); `$ref`s across files
 * are rewritten to `spec:<file>#/definitions/...` (file names are unique across the copies, so the
 * relative folders of the upstream repo do not matter); formats are checked where they matter
 * (date-time, int32/int64 ranges) and accepted otherwise.
 */

/** The spec fixtures folder, from dist/test/contract or test/contract alike. */
export const specDir = fileURLToPath(new URL("../../../test/fixtures/spec/", import.meta.url));

const specFiles = [
  "GalleryRP-2025-03-03/GalleryRP.json",
  "ComputeRP-2024-07-01/image.json",
  "ComputeRP-2024-07-01/computeRPCommon.json",
  "compute-common-types-v1/common.json",
  "common-types-resource-management-v3/types.json",
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One operation of the spec, with the example files it names. */
export interface SpecOperation {
  file: string;
  operationId: string;
  method: string;
  pathTemplate: string;
  parameters: JsonObject[];
  responses: Record<string, { schemaRef?: string }>;
  examples: string[];
}

/** The loaded spec: raw documents, operations, and an ajv instance holding the converted schemas. */
export interface Spec {
  documents: Map<string, JsonObject>;
  operations: SpecOperation[];
  ajv: Ajv;
  /** The converted schema of a definition (`spec:GalleryRP.json#/definitions/Gallery`). */
  schemaOf(ref: string): JsonObject;
  validator(ref: string): ValidateFunction;
}

function rewriteRef(ref: string, currentFile: string): string {
  const [filePart, pointer = ""] = ref.split("#");
  const file = filePart === undefined || filePart === "" ? currentFile : basename(filePart);
  return `spec:${file}#${pointer}`;
}

/** Converts one Swagger schema object (recursively) into a JSON Schema object. */
function convertSchema(node: Json, file: string): Json {
  if (Array.isArray(node)) return node.map((item) => convertSchema(item, file));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  const xmsEnum = node["x-ms-enum"];
  const extensible = typeof xmsEnum === "object" && xmsEnum !== null && !Array.isArray(xmsEnum) && xmsEnum["modelAsString"] === true;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-ms-") || key === "x-nullable" || key === "discriminator" || key === "example" || key === "externalDocs" || key === "x-typespec-name") continue;
    if (key === "enum" && extensible) continue;
    if (key === "$ref" && typeof value === "string") {
      out[key] = rewriteRef(value, file);
    } else if ((key === "properties" || key === "definitions") && value !== null && typeof value === "object" && !Array.isArray(value)) {
      // Property names are data here, never keywords to strip.
      const props: JsonObject = {};
      for (const [name, schema] of Object.entries(value)) props[name] = convertSchema(schema, file);
      out[key] = props;
    } else if (key === "required" || key === "enum" || key === "type" || key === "description" || key === "title" || key === "pattern") {
      out[key] = value;
    } else {
      out[key] = convertSchema(value, file);
    }
  }
  return out;
}

const int = (bits: 32 | 64) => ({
  type: "number" as const,
  validate: (n: number) => Number.isInteger(n) && (bits === 64 || (n >= -2147483648 && n <= 2147483647)),
});

/** Loads the copied spec files and compiles their definitions into one ajv instance. */
export function loadSpec(): Spec {
  const documents = new Map<string, JsonObject>();
  for (const relative of specFiles) documents.set(basename(relative), JSON.parse(readFileSync(join(specDir, relative), "utf8")) as JsonObject);

  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    logger: false,
    formats: {
      // ARM writes 7 fractional digits and an offset ("2026-04-24T02:09:13.0173102+00:00").
      "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i,
      int32: int(32),
      int64: int(64),
      float: true,
      double: true,
      uri: true,
      url: true,
      "arm-id": true,
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      duration: true,
      date: true,
      byte: true,
      password: true,
      unixtime: true,
    },
  });
  for (const [file, doc] of documents) {
    const definitions = convertSchema(doc["definitions"] ?? {}, file) as JsonObject;
    const parameters = convertSchema(doc["parameters"] ?? {}, file) as JsonObject;
    ajv.addSchema({ $id: `spec:${file}`, definitions, parameters });
  }

  const operations: SpecOperation[] = [];
  for (const [file, doc] of documents) {
    const paths = (doc["paths"] ?? {}) as Record<string, Record<string, JsonObject>>;
    for (const [pathTemplate, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (typeof op !== "object" || op === null || typeof op["operationId"] !== "string") continue;
        const responses: Record<string, { schemaRef?: string }> = {};
        for (const [status, response] of Object.entries((op["responses"] ?? {}) as Record<string, JsonObject>)) {
          const schema = response["schema"] as JsonObject | undefined;
          const ref = schema?.["$ref"];
          responses[status] = typeof ref === "string" ? { schemaRef: rewriteRef(ref, file) } : {};
        }
        const examples = Object.values((op["x-ms-examples"] ?? {}) as Record<string, { $ref?: string }>)
          .map((e) => e.$ref ?? "")
          .filter((r) => r !== "")
          .map((r) => basename(r));
        const parameters = ((op["parameters"] ?? []) as JsonObject[]).map((p) => {
          const ref = p["$ref"];
          return typeof ref === "string" ? resolveRaw(documents, rewriteRef(ref, file)) : p;
        });
        operations.push({ file, operationId: op["operationId"], method: method.toUpperCase(), pathTemplate, parameters, responses, examples });
      }
    }
  }

  const schemaOf = (ref: string): JsonObject => {
    const [id, pointer = ""] = ref.split("#");
    const root = ajv.getSchema(id ?? "")?.schema as JsonObject | undefined;
    if (root === undefined) throw new Error(`no schema ${id}`);
    return pointerGet(root, pointer) as JsonObject;
  };
  const cache = new Map<string, ValidateFunction>();
  const validator = (ref: string): ValidateFunction => {
    let fn = cache.get(ref);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: ref });
      cache.set(ref, fn);
    }
    return fn;
  };
  return { documents, operations, ajv, schemaOf, validator };
}

function pointerGet(root: Json, pointer: string): Json {
  let node: Json = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || Array.isArray(node)) throw new Error(`bad pointer ${pointer}`);
    node = node[key] ?? null;
  }
  return node;
}

function resolveRaw(documents: Map<string, JsonObject>, ref: string): JsonObject {
  const [id, pointer = ""] = ref.split("#");
  const doc = documents.get((id ?? "").replace(/^spec:/, ""));
  if (doc === undefined) throw new Error(`no document for ${ref}`);
  return pointerGet(doc, pointer) as JsonObject;
}

/**
 * Keys in `value` that the spec does not declare at their level (after following `$ref` and
 * merging `allOf`), as JSON paths. ajv cannot say this itself: Swagger models inheritance with
 * allOf, where `additionalProperties: false` would reject the inherited fields.
 */
export function undeclaredKeys(spec: Spec, ref: string, value: unknown, path = "$"): string[] {
  const found: string[] = [];
  const visit = (schemaRef: JsonObject, node: unknown, at: string): void => {
    const { properties, additional, items } = flatten(spec, schemaRef);
    if (Array.isArray(node)) {
      if (items !== undefined) node.forEach((item, i) => visit(items, item, `${at}[${i}]`));
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      const childSchema = properties.get(key);
      if (childSchema !== undefined) visit(childSchema, child, `${at}.${key}`);
      else if (additional !== undefined) visit(additional, child, `${at}.${key}`);
      else if (!isOpenObject(spec, schemaRef)) found.push(`${at}.${key}`);
    }
  };
  visit({ $ref: ref }, value, path);
  return found;
}

function isOpenObject(spec: Spec, schema: JsonObject): boolean {
  const { properties, additional } = flatten(spec, schema);
  // A schema with no declared properties at all (`{type: object}`) says nothing about its keys.
  return properties.size === 0 && additional === undefined;
}

function flatten(spec: Spec, schema: JsonObject): { properties: Map<string, JsonObject>; additional?: JsonObject; items?: JsonObject } {
  const properties = new Map<string, JsonObject>();
  let additional: JsonObject | undefined;
  let items: JsonObject | undefined;
  const seen = new Set<JsonObject>();
  const walk = (node: JsonObject, base: string): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const ref = node["$ref"];
    if (typeof ref === "string") {
      const absolute = ref.startsWith("#") ? `${base}${ref}` : ref;
      walk(spec.schemaOf(absolute), absolute.split("#")[0] ?? base);
      return;
    }
    const props = node["properties"];
    if (props !== null && typeof props === "object" && !Array.isArray(props)) {
      for (const [key, child] of Object.entries(props)) properties.set(key, qualify(child as JsonObject, base));
    }
    const extra = node["additionalProperties"];
    if (extra !== null && typeof extra === "object" && !Array.isArray(extra)) additional = qualify(extra, base);
    const itemSchema = node["items"];
    if (itemSchema !== null && typeof itemSchema === "object" && !Array.isArray(itemSchema)) items = qualify(itemSchema, base);
    const allOf = node["allOf"];
    if (Array.isArray(allOf)) for (const part of allOf) walk(qualify(part as JsonObject, base), base);
  };
  const ref = schema["$ref"];
  walk(schema, typeof ref === "string" ? (ref.split("#")[0] ?? "") : "");
  return { properties, ...(additional ? { additional } : {}), ...(items ? { items } : {}) };
}

/** Makes a local `#/...` ref absolute so it still resolves once detached from its document. */
function qualify(node: JsonObject, base: string): JsonObject {
  const ref = node["$ref"];
  if (typeof ref === "string" && ref.startsWith("#")) return { ...node, $ref: `${base}${ref}` };
  return node;
}
