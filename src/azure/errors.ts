/**
 * One error shape for everything the Azure adapter reports, whatever the SDK threw: HTTP
 * answers (RestError), failed long-running operations (a plain Error with the service's code
 * in its message), transport failures (resets, timeouts) and aborts.
 */

/** An Azure failure in the service's words, classified for the engine's retry decisions. */
export class AzureError extends Error {
  override name = "AzureError";
  /** HTTP status of the answer, when there was one. */
  readonly statusCode: number | undefined;
  /** The service's error code (`Conflict`, `OperationNotAllowed`…) or a transport code (`ECONNRESET`). */
  readonly code: string;
  /** Throttling, 408, 5xx, resets and timeouts: worth retrying later. */
  readonly transient: boolean;
  /** What the service asked us to wait before retrying, in real milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** `target` and `details[].code` of the CloudError, when present. */
  readonly target: string | undefined;
  readonly details: { code?: string; message?: string; target?: string }[];
  /** True when the error came from a failed long-running operation (not a refused request). */
  readonly operationFailed: boolean;

  constructor(init: {
    message: string;
    code: string;
    statusCode?: number;
    transient?: boolean;
    retryAfterMs?: number;
    target?: string;
    details?: { code?: string; message?: string; target?: string }[];
    operationFailed?: boolean;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.retryAfterMs = init.retryAfterMs;
    this.target = init.target;
    this.details = init.details ?? [];
    this.operationFailed = init.operationFailed ?? false;
    this.transient = init.transient ?? isTransientStatus(init.statusCode, init.code);
  }
}

const TRANSIENT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNRESET", "ECONNREFUSED", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "ECONNABORTED", "UND_ERR_SOCKET", "REQUEST_SEND_ERROR"]);

/** 408, 429 and 5xx (except 501/505) are transient; so are transport failures that never got an answer. */
export function isTransientStatus(statusCode: number | undefined, code: string): boolean {
  if (statusCode === undefined) return TRANSIENT_CODES.has(code) || code === "TransportError";
  if (statusCode === 408 || statusCode === 429) return true;
  return statusCode >= 500 && statusCode !== 501 && statusCode !== 505;
}

interface RestErrorLike {
  name: string;
  message: string;
  statusCode?: number;
  code?: string;
  details?: unknown;
  response?: { headers: { get(name: string): string | undefined }; bodyAsText?: string | null };
}

function isRestErrorLike(error: unknown): error is RestErrorLike {
  return error instanceof Error && (error.name === "RestError" || "statusCode" in error);
}

/** Reads `retry-after-ms`, `x-ms-retry-after-ms`, then `Retry-After` (seconds or a date), as the SDK does. */
export function retryAfterMsFrom(headers: { get(name: string): string | undefined } | undefined): number | undefined {
  if (!headers) return undefined;
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name);
    if (value !== undefined && value !== "" && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === undefined || retryAfter === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

interface CloudErrorBody {
  code?: string;
  message?: string;
  target?: string;
  details?: { code?: string; message?: string; target?: string }[];
}

function cloudErrorOf(details: unknown, bodyText: string | null | undefined): CloudErrorBody | undefined {
  const pick = (value: unknown): CloudErrorBody | undefined => {
    if (!value || typeof value !== "object") return undefined;
    const record = value as { error?: unknown; code?: unknown };
    if (record.error && typeof record.error === "object") return record.error as CloudErrorBody;
    if (typeof record.code === "string") return value as CloudErrorBody;
    return undefined;
  };
  const fromDetails = pick(details);
  if (fromDetails) return fromDetails;
  if (!bodyText) return undefined;
  try {
    return pick(JSON.parse(bodyText));
  } catch {
    return undefined;
  }
}

const LRO_FAILED = /^The long-running operation has failed\.\s*([^.\s]+)\.\s*([\s\S]*)$/;

/** Converts anything the SDK throws into an AzureError (returns AzureErrors and aborts unchanged). */
export function toAzureError(error: unknown): AzureError | Error {
  if (error instanceof AzureError) return error;
  if (error instanceof Error && error.name === "AbortError") return error;
  if (isRestErrorLike(error)) {
    const cloud = cloudErrorOf(error.details, error.response?.bodyAsText);
    const statusCode = error.statusCode;
    const code = cloud?.code ?? error.code ?? (statusCode === undefined ? "TransportError" : `Http${statusCode}`);
    return new AzureError({
      message: cloud?.message ?? error.message,
      code,
      ...(statusCode !== undefined ? { statusCode } : {}),
      transient: isTransientStatus(statusCode, statusCode === undefined ? (error.code ?? "TransportError") : code),
      ...(retryAfterFrom(error) !== undefined ? { retryAfterMs: retryAfterFrom(error)! } : {}),
      ...(cloud?.target !== undefined ? { target: cloud.target } : {}),
      ...(cloud?.details ? { details: cloud.details } : {}),
      cause: error,
    });
  }
  if (error instanceof Error) {
    const lro = LRO_FAILED.exec(error.message);
    if (lro) {
      const code = lro[1]!;
      // A failed operation is the service's verdict, not a lost answer: only its own
      // transient codes (an internal error during replication) are worth another try.
      const transient = /^(InternalServerError|InternalOperationError|ServiceUnavailable|RetryableError.*)$/i.test(code);
      return new AzureError({ message: lro[2]!.trim(), code, transient, operationFailed: true, cause: error });
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) {
      return new AzureError({ message: error.message, code, transient: true, cause: error });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}

function retryAfterFrom(error: RestErrorLike): number | undefined {
  return retryAfterMsFrom(error.response?.headers);
}

/** True for a 404 (the resource, or the operation id, is gone). */
export function isNotFound(error: unknown): boolean {
  return error instanceof AzureError && error.statusCode === 404;
}

/** True for the service's "a version of this source is still replicating" refusal. */
export function isSourceBusy(error: AzureError): boolean {
  return error.code === "OperationNotAllowed" && error.statusCode === 409 && /too many requests on source/i.test(error.message);
}

/** True for a throttling answer (429, or OperationNotAllowed with TooManyRequests details). */
export function isThrottled(error: AzureError): boolean {
  return error.statusCode === 429 || error.details.some((d) => d.code === "TooManyRequests");
}

/**
 * What the user can do about an error, from FACTS.md's catalogue and DESIGN.md's table; undefined
 * when the error is transient (a re-run retries it) or the service's message says it all.
 */
export function remedyFor(error: AzureError): string | undefined {
  const message = error.message;
  if (error.statusCode === 401) return "sign in again (az login) or check the credential chosen with --credential";
  if (error.statusCode === 403 || error.code === "AuthorizationFailed") return missingRoleRemedy(message);
  if (error.code === "ScopeLocked") return lockRemedy(message);
  if (isThrottled(error)) return "throttled by Azure: re-run later or lower --concurrency";
  if (isSourceBusy(error)) return "another version of this source image is still replicating: re-run after it finishes";
  if (/Hypervisor generation/i.test(message)) {
    return "the definition's Hyper-V generation differs from the image's: use another definition (new name) whose hyperVGeneration matches the image";
  }
  if (/different OS type/i.test(message)) return "the definition's OS type differs from the image's: target a definition with the image's OS type";
  if (/OS State/i.test(message)) return "managed images are generalized: target a definition with osState Generalized";
  if (/Source .* is not found|Source was not found|source\.id/i.test(message) || error.target === "properties.storageProfile.source.id") {
    return "check that the source managed image exists and is in the region the version is created in; fix `source` in the plan";
  }
  if (error.code === "PropertyChangeNotAllowed") {
    return "the existing resource differs in a property that cannot change: pick a new version name (or definition name) in the plan";
  }
  if (/already exists\. Choose a different publisher, offer, sku/i.test(message) || /identified by \(publisher/i.test(message)) {
    return "another definition in the gallery uses this publisher/offer/sku: change the identifier in the plan";
  }
  if (error.code === "ParentResourceNotFound" || error.code === "ResourceGroupNotFound") {
    return "create the missing gallery or resource group, or set `gallery.create: true` and its location in the plan";
  }
  if (error.code === "QuotaExceeded") return "a per-subscription, per-region gallery limit is reached: delete unused resources or request a quota increase";
  if (error.code === "LocationNotAvailableForResourceType") return "use a region where Azure Compute Gallery is available";
  if (error.code === "GallerySourceResourceExceedsMaxSize") return "the image is larger than replication supports (2 TB): shrink its disks before migrating";
  if (/Gallery replication jobs failed/i.test(message)) {
    return "replication failed in a region: re-run to update the version (re-replicates), or use --replace-failed to delete and recreate it";
  }
  if (/EndOfLifeDate must be set to a future date/i.test(message)) return "set a future version.endOfLifeDate in the plan";
  if (/ZRS storage account type is not supported/i.test(message)) return "use Standard_LRS for this region (version.storageAccountType or the region's storageAccountType)";
  if (error.code === "InvalidParameter") return "fix the value the service names in the plan, then re-run";
  return undefined;
}

// ARM's 403: "…does not have authorization to perform action 'X' over scope 'Y' or the scope is invalid…".
const REFUSED_ACTION = /perform action '([^']+)' over scope '([^']+)'/i;
// "…however, it does not have permission to perform action(s) 'X' on the linked scope(s) 'Y'…".
const LINKED_REFUSAL = /perform action\(s\) '([^']+)' on the linked scope\(s\) '([^']+)'/i;

/** The role a 403 shows missing, on the scope to grant it at (the gallery's group when creating the gallery). */
function missingRoleRemedy(message: string): string {
  // LinkedAuthorizationFailed: allowed on the version, refused on what it links to (the source image).
  const refused = LINKED_REFUSAL.exec(message) ?? REFUSED_ACTION.exec(message);
  if (!refused) {
    return "grant the identity Reader on the source managed image and Contributor (or Compute Gallery Artifacts Publisher) on the gallery, then re-run";
  }
  const action = refused[1]!.toLowerCase();
  const scope = refused[2]!;
  const verb = action.slice(action.lastIndexOf("/") + 1);
  if (action.startsWith("microsoft.compute/images/")) {
    if (verb === "read") return `grant the identity Reader on ${scope} (the source managed image, or its resource group), then re-run`;
    return `grant the identity Contributor on ${scope} (the managed image, or its resource group) to delete it, then re-run`;
  }
  if (action.startsWith("microsoft.compute/galleries/")) {
    // A gallery that does not exist yet is created under its resource group: the role goes there.
    const group = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(scope)?.[0];
    const where = action === "microsoft.compute/galleries/write" && group !== undefined ? `${group} (the gallery's resource group)` : scope;
    if (verb === "read") return `grant the identity Reader (or Contributor) on ${where}, then re-run`;
    return `grant the identity Contributor or Compute Gallery Artifacts Publisher on ${where}, then re-run`;
  }
  return `grant the identity a role that allows '${refused[1]}' on ${scope}, then re-run`;
}

/** Names the lock(s) ARM reports and what to do: a ReadOnly lock refuses every write, CanNotDelete only deletes. */
function lockRemedy(message: string): string {
  const listed = /locked: (.*?)\.\s*(?:Please|$)/i.exec(message)?.[1] ?? "";
  const scopes = [...listed.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  const where = scopes.length > 0 ? scopes.join(", ") : "the resource or a scope above it (gallery, resource group, subscription)";
  return /perform delete operation/i.test(message)
    ? `remove the lock on ${where} (CanNotDelete and ReadOnly locks refuse deletes), then re-run`
    : `remove the lock on ${where} (a ReadOnly lock refuses every write), or target a gallery outside it; then re-run`;
}
