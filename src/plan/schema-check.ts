import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import type { Finding } from "./yaml-source.js";
import { pointerToPath } from "./plan-path.js";
import type { PathSegment } from "./plan-path.js";
import { closest } from "./suggest.js";

type SchemaNode = {
  description?: string;
  properties?: Record<string, unknown>;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
};

/** The plan's JSON Schema as shipped in `schemas/` (beside `dist/`, so the same path works from both). */
export const planSchema = JSON.parse(
  readFileSync(new URL("../../../schemas/plan.schema.json", import.meta.url), "utf8"),
) as { definitions: Record<string, SchemaNode> };

// Compiled once per process: compiling costs far more than validating even 5,000 migrations.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
ajv.addFormat("uri", (value: string) => {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
});
const validate = ajv.compile(planSchema);

// Which named definition a failing schema node is, so messages can be specific to it.
const definitionOf = new Map<unknown, string>(Object.entries(planSchema.definitions).map(([name, node]) => [node, name]));

/** The text a scalar was written as (`1.0`, where the value is the number 1), for hints. */
export type RawText = (path: readonly PathSegment[]) => string | undefined;

/** Checks the plain plan value against the schema and turns every ajv error into a human message. */
export function checkSchema(value: unknown, rawText: RawText = () => undefined): Finding[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // `sourc:` gives "unknown field, did you mean `source`" and "missing `source`": the first says it all.
  const suggested = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== "additionalProperties") continue;
    const allowed = Object.keys((error.parentSchema as SchemaNode | undefined)?.properties ?? {});
    const guess = closest(String((error.params as Record<string, unknown>)["additionalProperty"]), allowed);
    if (guess) suggested.add(`${error.instancePath}/${guess}`);
  }
  const findings: Finding[] = [];
  for (const error of errors) {
    if (error.keyword === "required" && suggested.has(`${error.instancePath}/${String((error.params as Record<string, unknown>)["missingProperty"])}`)) continue;
    const finding = describe(error, rawText);
    if (finding) findings.push(finding);
  }
  return findings;
}

function describe(error: ErrorObject, rawText: RawText): Finding | undefined {
  const path = pointerToPath(error.instancePath);
  const parent = error.parentSchema as SchemaNode | undefined;
  const definition = definitionOf.get(parent);
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "if":
      return undefined; // the `then`/`else` branch reports the actual problem
    case "type":
      if (path.length === 0 && (data === null || data === undefined)) {
        return { path, message: "the plan is empty: it needs `version: 1` and a list of `migrations`" };
      }
      return { path, message: typeMessage(definition, params["type"], data, rawText(path)) };
    case "required": {
      const field = String(params["missingProperty"]);
      return { path: [...path, field], message: `missing required field \`${field}\`${requiredHint(path, field)}` };
    }
    case "additionalProperties": {
      const field = String(params["additionalProperty"]);
      return { path: [...path, field], at: "key", message: unknownFieldMessage(path, field, Object.keys(parent?.properties ?? {})) };
    }
    case "propertyNames":
      return {
        path: [...path, String(params["propertyName"])],
        at: "key",
        message: `tag name \`${String(params["propertyName"])}\` is not allowed: at most 512 characters, none of < > % & \\ ? /`,
      };
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map(String);
      const guess = typeof data === "string" ? closest(data, allowed) : undefined;
      return { path, message: `must be one of ${allowed.join(", ")}${guess ? `; did you mean \`${guess}\`?` : ""}` };
    }
    case "const":
      return { path, message: path.length === 1 && path[0] === "version" ? "must be 1 (the only plan format version)" : `must be ${JSON.stringify(params["allowedValue"])}` };
    case "minimum":
    case "maximum":
      return { path, message: rangeMessage(parent, data) };
    case "minLength":
      return { path, message: params["limit"] === 1 ? "must not be empty" : `must be at least ${String(params["limit"])} characters` };
    case "maxLength":
      return { path, message: `must be at most ${String(params["limit"])} characters (this one has ${typeof data === "string" ? data.length : "more"})` };
    case "minItems":
      return {
        path,
        message:
          path.length === 1 && path[0] === "migrations"
            ? "must list at least one migration (a plan without migrations does nothing)"
            : `must list at least ${String(params["limit"])} item(s)`,
      };
    case "maxProperties":
      return { path, message: `must have at most ${String(params["limit"])} entries (Azure allows 50 tags per resource)` };
    case "format":
      return { path, message: `must be an absolute URI such as \`https://example.com/notes\`, not \`${String(data)}\`` };
    case "pattern":
      if (error.schemaPath.includes("/propertyNames/")) return undefined; // reported by `propertyNames` with the name
      return { path, message: patternMessage(definition, data, parent) };
    default:
      return { path, message: error.message ?? "is invalid" };
  }
}

function describeValue(value: unknown, raw?: string): string {
  if (value === null || value === undefined) return "empty";
  if (raw !== undefined && (typeof value === "number" || typeof value === "boolean")) return `${typeof value === "number" ? "a number" : "a boolean"} (${raw})`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "boolean") return `a boolean (${String(value)})`;
  if (typeof value === "number") return `a number (${String(value)})`;
  return `a ${typeof value}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  object: "a mapping",
  array: "a list",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
};

function typeMessage(definition: string | undefined, expected: unknown, data: unknown, raw: string | undefined): string {
  const got = describeValue(data, raw);
  if (definition === "source") return `must be a managed image resource id or a mapping {subscriptionId, resourceGroup, name}, not ${got}`;
  if (definition === "targetRegion") return `must be a region name or a mapping {name, replicaCount, storageAccountType, …}, not ${got}`;
  if (definition === "migration") return `must be a mapping {source, definition, version}, not ${got}`;
  if (definition === "extraRegion") return `must be a region name or a mapping {name, displayName}, not ${got}`;
  const wanted = (Array.isArray(expected) ? expected : [expected]).map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(" or ");
  // YAML reads `1.0` as a number and `yes` as a string; the fix is almost always quoting.
  const written = raw ?? String(data);
  const hint = wanted === "a string" && (typeof data === "number" || typeof data === "boolean") ? `; quote it: "${written}"` : "";
  return `must be ${wanted}, not ${got}${hint}`;
}

function rangeMessage(parent: SchemaNode | undefined, data: unknown): string {
  const min = parent?.minimum;
  const max = parent?.maximum;
  const got = String(data);
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}, not ${got}`;
  if (min !== undefined) return `must be at least ${min}, not ${got}`;
  return `must be at most ${String(max)}, not ${got}`;
}

function requiredHint(path: readonly PathSegment[], field: string): string {
  const where = path[path.length - 1];
  if (path.length === 0 && field === "version") return " (write `version: 1` at the top)";
  if (path.length === 0 && field === "migrations") return " (the list of images to migrate)";
  if (where === "definition" && field === "name") return " (the image definition's name)";
  if (where === "version" && field === "name") return ' (the image version, like "1.0.0")';
  if (field === "source") return " (the managed image to migrate)";
  if (field === "definition") return " (the image definition: at least its `name`)";
  if (field === "version") return ' (the image version: at least its `name`, like "1.0.0")';
  return "";
}

function unknownFieldMessage(path: readonly PathSegment[], field: string, allowed: string[]): string {
  if (path[0] === "defaults" && field === "name" && (path[1] === "definition" || path[1] === "version")) {
    return `\`name\` cannot be a default: each migration names its own ${String(path[1])}`;
  }
  const guess = closest(field, allowed);
  const known = allowed.length <= 8 ? ` (known fields: ${allowed.join(", ")})` : "";
  return guess ? `unknown field \`${field}\`; did you mean \`${guess}\`?` : `unknown field \`${field}\`${known}`;
}

const IDENTIFIER_LIMITS: Record<string, number> = { publisher: 128, offer: 64, sku: 64 };

function patternMessage(definition: string | undefined, data: unknown, parent: SchemaNode | undefined): string {
  const value = String(data);
  const quoted = `\`${value}\``;
  switch (definition) {
    case "galleryName":
      if (value.includes("-")) return `${quoted} is not a valid gallery name: hyphens are not allowed (use letters, digits, \`_\` and \`.\`)`;
      if (value.length > 80) return `${quoted} is not a valid gallery name: at most 80 characters`;
      return `${quoted} is not a valid gallery name: letters, digits, \`_\` and \`.\`, starting and ending with a letter or digit`;
    case "definitionName":
      if (value.length > 80) return `${quoted} is not a valid image definition name: at most 80 characters`;
      return `${quoted} is not a valid image definition name: letters, digits, \`_\`, \`-\` and \`.\`, starting and ending with a letter or digit`;
    case "imageName":
      return `${quoted} is not a valid managed image name: letters, digits, \`_\`, \`-\` and \`.\`, starting with a letter or digit, ending with a letter, digit or \`_\`, at most 80 characters`;
    case "versionName":
      return `${quoted} is not a valid version name: it must be Major.Minor.Patch with whole numbers, like 1.0.0`;
    case "publisher":
    case "offer":
    case "sku": {
      const bad = value.replace(/[A-Za-z0-9._-]/g, "");
      if (bad !== "") return `${quoted} is not a valid ${definition}: only letters, digits, \`-\`, \`_\` and \`.\` are allowed, not \`${[...new Set(bad)].join("")}\``;
      if (value.endsWith(".")) return `${quoted} is not a valid ${definition}: it must not end with \`.\``;
      return `${quoted} is not a valid ${definition} (at most ${IDENTIFIER_LIMITS[definition]} of letters, digits, \`-\`, \`_\`, \`.\`)`;
    }
    case "subscriptionId":
      return `${quoted} is not a subscription id: expected a GUID like 00000000-0000-0000-0000-000000000000`;
    case "resourceGroup":
      return `${quoted} is not a valid resource group name: 1-90 letters, digits, \`_\`, \`-\`, \`.\`, \`(\`, \`)\`, not ending with \`.\``;
    case "diskEncryptionSetId":
      return `${quoted} is not a disk encryption set id: expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/diskEncryptionSets/<name>`;
    default:
      return `${quoted} is not valid: ${parent?.description ?? "it does not match the expected form"}`;
  }
}
