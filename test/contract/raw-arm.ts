import { request } from "node:https";

/** One raw answer from the emulator: status, lower-cased headers, the body as text and parsed. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

/**
 * Sends one HTTPS request the way a conforming client would (bearer token, JSON body), trusting
 * only the emulator's CA. Raw rather than through the SDK so the test sees exactly what the
 * emulator answered: status codes, headers and bodies the SDK would otherwise digest.
 */
export function rawArm(url: string, init: { method: string; ca: string | Buffer; body?: unknown; token?: string | null }): Promise<RawAnswer> {
  const payload = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body));
  const headers: Record<string, string> = { accept: "application/json" };
  // A dummy token: the emulator accepts any bearer token, and no real secret ever leaves a test.
  if (init.token !== null) headers["authorization"] = `Bearer ${init.token ?? "contract-test-token"}`;
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers, ca: init.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(res.headers)) if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
        resolve({ status: res.statusCode ?? 0, headers: flat, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Waits until an Azure-AsyncOperation status URL reports a terminal status; returns every body seen. */
export async function pollOperation(url: string, ca: string | Buffer, options: { intervalMs?: number; timeoutMs?: number } = {}): Promise<RawAnswer[]> {
  const seen: RawAnswer[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const answer = await rawArm(url, { method: "GET", ca });
    seen.push(answer);
    const status = (answer.json as { status?: string } | undefined)?.status;
    if (answer.status !== 200 || status === "Succeeded" || status === "Failed" || status === "Canceled") return seen;
    if (Date.now() > deadline) throw new Error(`operation ${url} still ${status ?? "?"} after ${options.timeoutMs ?? 20_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
