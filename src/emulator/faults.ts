import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { InputError, messageOf } from "../errors.js";
import type { Problem } from "../errors.js";
import type { AccessDenial, Budget3030, FaultsConfig, ResourceLock, ReplicationModel, ThrottlingConfig, TokenBucket } from "./faults-types.js";
import { liveArmBuckets, livePolicyBudgets } from "./throttle.js";

/**
 * The default replication model, in simulated minutes:
 *   baseMinutes + minutesPerGB × (OS + data disk GB) + minutesPerRegion × (regions − 1)
 *   + minutesPerReplica × (replicas per region − 1)
 * Calibrated on the live recording (30 GB OS + 10 GB data, one region, one replica: about 8
 * minutes → 5 + 0.075 × 40 = 8) and on DESIGN.md's bound for small images (128 GB, 3 regions,
 * 3 replicas: 5 + 9.6 + 4 + 0.4 = 19 minutes, inside 5–20). A 2 TB source to 10 regions takes
 * 5 + 153.6 + 18 ≈ 3 hours, matching "can take a few hours".
 */
export const defaultReplicationModel: Readonly<ReplicationModel> = {
  baseMinutes: 5,
  minutesPerGB: 0.075,
  minutesPerRegion: 2,
  minutesPerReplica: 0.2,
  regionFailureRate: 0,
};

/** Live Azure's throttling budgets: every gallery policy and the ARM token buckets. */
export function liveThrottling(): ThrottlingConfig {
  const policies: Record<string, Budget3030> = {};
  for (const [name, budget] of Object.entries(livePolicyBudgets)) policies[name] = { ...budget };
  return {
    enabled: true,
    policies,
    arm: { reads: { ...liveArmBuckets.reads }, writes: { ...liveArmBuckets.writes }, deletes: { ...liveArmBuckets.deletes } },
  };
}

/** The faults in force when no faults file is given: live throttling, no injected failures. */
export function defaultFaults(): FaultsConfig {
  return {
    seed: 42,
    throttling: liveThrottling(),
    errors: { rate: 0, statuses: [500], methods: [] },
    resets: { rate: 0 },
    latencyMs: { min: 0, max: 0 },
    replication: { ...defaultReplicationModel },
    access: { deny: [] },
    locks: [],
  };
}

/** The faults file as written (DESIGN.md "Faults file"): every part optional. */
export interface FaultsInput {
  seed?: number;
  throttling?:
    | "live"
    | "none"
    | {
        policies?: Record<string, Partial<Budget3030>>;
        arm?: { reads?: Partial<TokenBucket>; writes?: Partial<TokenBucket>; deletes?: Partial<TokenBucket> };
      };
  errors?: { rate?: number; statuses?: number[]; methods?: string[] };
  resets?: { rate?: number };
  latencyMs?: { min?: number; max?: number };
  replication?: Partial<ReplicationModel>;
  access?: { deny?: AccessDenial[] };
  locks?: ResourceLock[];
}

/**
 * Fills a faults file's omissions from the defaults. A `throttling` object changes only the
 * budgets it names, so a test can lower one policy and keep the others live.
 */
export function resolveFaults(input: FaultsInput): FaultsConfig {
  const config = defaultFaults();
  if (input.seed !== undefined) config.seed = input.seed;
  const throttling = input.throttling;
  if (throttling === "none") config.throttling.enabled = false;
  else if (typeof throttling === "object") {
    for (const [name, budget] of Object.entries(throttling.policies ?? {})) {
      const base = config.throttling.policies[name] ?? { "3Min": budget["3Min"] ?? budget["30Min"] ?? 0, "30Min": budget["30Min"] ?? budget["3Min"] ?? 0 };
      config.throttling.policies[name] = { "3Min": budget["3Min"] ?? base["3Min"], "30Min": budget["30Min"] ?? base["30Min"] };
    }
    const arm = throttling.arm ?? {};
    for (const key of ["reads", "writes", "deletes"] as const) {
      config.throttling.arm[key] = { ...config.throttling.arm[key], ...arm[key] };
    }
  }
  if (input.errors !== undefined) {
    config.errors = {
      rate: input.errors.rate ?? config.errors.rate,
      statuses: input.errors.statuses ?? config.errors.statuses,
      methods: (input.errors.methods ?? config.errors.methods).map((m) => m.toUpperCase()),
    };
  }
  if (input.resets?.rate !== undefined) config.resets.rate = input.resets.rate;
  if (input.latencyMs !== undefined) {
    const min = input.latencyMs.min ?? 0;
    config.latencyMs = { min, max: input.latencyMs.max ?? min };
  }
  config.replication = { ...config.replication, ...input.replication };
  config.access = { deny: (input.access?.deny ?? []).map((d) => ({ scope: d.scope, actions: [...new Set(d.actions)] })) };
  config.locks = (input.locks ?? []).map((l) => ({ scope: l.scope, level: l.level }));
  return config;
}

/** A resource id prefix: `/subscriptions/{id}` and optionally more segments, no empty ones. */
const SCOPE = /^\/subscriptions\/[^/\s]+(\/[^/\s]+)*\/?$/i;

const schemaUrl = new URL("../../../schemas/emulator-faults.schema.json", import.meta.url);
let validator: ReturnType<Ajv["compile"]> | undefined;

async function compiledSchema(): Promise<ReturnType<Ajv["compile"]>> {
  if (validator === undefined) {
    const schema: unknown = JSON.parse(await readFile(schemaUrl, "utf8"));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema as object);
  }
  return validator;
}

/** Loads a faults file (YAML); throws InputError with one FILE:LINE:COL problem per mistake. */
export async function loadFaultsFile(path: string): Promise<FaultsConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error: unknown) {
    throw new InputError(`cannot read faults file ${path}: ${messageOf(error)}`, [
      { file: path, line: 1, column: 1, path: "$", message: `cannot read the file: ${messageOf(error)}` },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error): Problem => ({ file: path, ...at(error.pos[0]), path: "$", message: error.message.split("\n")[0] ?? error.message }));
    throw new InputError(`faults file ${path} is not valid YAML`, problems);
  }
  const raw: unknown = doc.toJS() ?? {};
  const validate = await compiledSchema();
  const problems: Problem[] = [];
  if (!validate(raw)) {
    for (const error of simplify(validate.errors ?? [], raw)) {
      const segments = pointerSegments(error.instancePath);
      let message = describe(error);
      let target = segments;
      let node = nodeAt(doc, segments, false);
      if (error.keyword === "additionalProperties") {
        const extra = String((error.params as { additionalProperty?: string }).additionalProperty);
        target = [...segments, extra];
        message = `unknown field "${extra}"`;
        node = nodeAt(doc, target, true) ?? node;
      }
      problems.push({ file: path, ...at(node?.range?.[0]), path: jsonPath(target), message });
    }
  }
  {
    // A misspelt policy would silently throttle nothing, so only the policies the emulator routes are accepted.
    const throttling = (raw as { throttling?: unknown }).throttling;
    const policies = typeof throttling === "object" && throttling !== null ? (throttling as { policies?: unknown }).policies : undefined;
    if (typeof policies === "object" && policies !== null) {
      for (const name of Object.keys(policies)) {
        if (livePolicyBudgets[name] !== undefined) continue;
        const node = nodeAt(doc, ["throttling", "policies", name], true);
        const near = closest(name, Object.keys(livePolicyBudgets));
        problems.push({
          file: path,
          ...at(node?.range?.[0]),
          path: jsonPath(["throttling", "policies", name]),
          message: `unknown policy "${name}"${near === undefined ? "" : ` (did you mean "${near}"?)`}; known: ${Object.keys(livePolicyBudgets).join(", ")}`,
        });
      }
    }
    // A scope that is no resource id would silently match nothing.
    const scopes: { segments: string[]; scope: unknown }[] = [];
    const access = (raw as { access?: { deny?: unknown } }).access;
    if (Array.isArray(access?.deny)) access.deny.forEach((d: unknown, i) => scopes.push({ segments: ["access", "deny", String(i), "scope"], scope: (d as { scope?: unknown } | null)?.scope }));
    const locks = (raw as { locks?: unknown }).locks;
    if (Array.isArray(locks)) locks.forEach((l: unknown, i) => scopes.push({ segments: ["locks", String(i), "scope"], scope: (l as { scope?: unknown } | null)?.scope }));
    for (const { segments, scope } of scopes) {
      if (typeof scope !== "string" || SCOPE.test(scope)) continue;
      const node = nodeAt(doc, segments, false);
      problems.push({ file: path, ...at(node?.range?.[0]), path: jsonPath(segments), message: `"${scope}" is not a resource id: a scope starts with /subscriptions/<id> (for example /subscriptions/<id>/resourceGroups/<name>)` });
    }
    const latency = (raw as { latencyMs?: { min?: unknown; max?: unknown } }).latencyMs;
    if (typeof latency?.min === "number" && typeof latency.max === "number" && latency.min > latency.max) {
      const node = nodeAt(doc, ["latencyMs", "max"], false);
      problems.push({ file: path, ...at(node?.range?.[0]), path: "latencyMs.max", message: `must be at least min (${latency.min})` });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new InputError(`faults file ${path} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems);
  }
  return resolveFaults(raw as FaultsInput);
}

/** The candidate nearest to `name` by edit distance, when it is near enough to be a typo. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let diagonal = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const above = row[j] ?? 0;
        row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length] ?? Number.POSITIVE_INFINITY;
  };
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (best === undefined || d < best.d) best = { candidate, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.candidate : undefined;
}

/** `throttling` is a oneOf; ajv reports every branch, so keep only the branch the user meant. */
function simplify(errors: readonly ErrorObject[], raw: unknown): ErrorObject[] {
  const throttling = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)["throttling"] : undefined;
  const isObject = typeof throttling === "object" && throttling !== null && !Array.isArray(throttling);
  const kept: ErrorObject[] = [];
  let throttlingReported = false;
  for (const error of errors) {
    if (!error.schemaPath.startsWith("#/properties/throttling/oneOf") && error.instancePath !== "/throttling") {
      kept.push(error);
      continue;
    }
    if (isObject) {
      if (error.schemaPath.startsWith("#/properties/throttling/oneOf/1/")) kept.push(error);
    } else if (!throttlingReported) {
      throttlingReported = true;
      kept.push({ ...error, keyword: "throttling", message: 'must be "live", "none" or an object with "policies" and/or "arm"' });
    }
  }
  return kept;
}

function describe(error: ErrorObject): string {
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return error.message ?? "is invalid";
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function jsonPath(segments: readonly string[]): string {
  if (segments.length === 0) return "$";
  let out = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The YAML node at a path; `keyNode` asks for the last key itself (to point at an unknown field). */
function nodeAt(doc: Document, segments: readonly string[], keyNode: boolean): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] ?? "";
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment);
      if (pair === undefined) return isNode(node) ? node : undefined;
      if (keyNode && i === segments.length - 1) return isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)];
    } else {
      break;
    }
  }
  return isNode(node) ? node : undefined;
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; enough for reproducible fault draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The decision for one ARM request: added latency, and optionally a fault instead of an answer. */
export interface FaultDecision {
  latencyMs: number;
  fault?: { kind: "reset" } | { kind: "status"; status: number };
}

/**
 * Seeded fault decisions per request and per replicated region. Requests, regional failures and
 * replication jitter draw from three separate streams of the same seed, so the regions that fail
 * do not depend on how many requests (polls, retries) happened to arrive in between.
 */
export class FaultInjector {
  private readonly requestRandom: () => number;
  private readonly regionRandom: () => number;
  private readonly jitterRandom: () => number;

  constructor(private readonly config: FaultsConfig) {
    this.requestRandom = mulberry32(config.seed);
    this.regionRandom = mulberry32(config.seed ^ 0x9e3779b9);
    this.jitterRandom = mulberry32(config.seed ^ 0x85ebca6b);
  }

  /** Per ARM request (not /_emulator, not token endpoints). */
  decide(method: string, _resourceType: string): FaultDecision {
    // Always draw four numbers so one request's outcome never shifts the next one's draws.
    const [latencyDraw, resetDraw, errorDraw, statusDraw] = [this.requestRandom(), this.requestRandom(), this.requestRandom(), this.requestRandom()];
    const { min, max } = this.config.latencyMs;
    const latencyMs = max > 0 ? Math.round(min + latencyDraw * (max - min)) : 0;
    if (resetDraw < this.config.resets.rate) return { latencyMs, fault: { kind: "reset" } };
    const { rate, statuses, methods } = this.config.errors;
    const eligible = methods.length === 0 || methods.includes(method.toUpperCase());
    if (eligible && errorDraw < rate && statuses.length > 0) {
      const status = statuses[Math.min(statuses.length - 1, Math.floor(statusDraw * statuses.length))] ?? 500;
      return { latencyMs, fault: { kind: "status", status } };
    }
    return { latencyMs };
  }

  /** Seeded draw for one region of one replication: true = that region fails. */
  regionFails(): boolean {
    return this.regionRandom() < this.config.replication.regionFailureRate;
  }

  /** Seeded uniform [0,1) for the replication model's jitter. */
  random(): number {
    return this.jitterRandom();
  }
}
