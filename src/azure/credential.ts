import {
  AzureCliCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  EnvironmentCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";

/** The `--credential` kinds of DESIGN.md. */
export const CREDENTIAL_KINDS = ["default", "cli", "env", "managed-identity", "workload-identity", "client-secret", "emulator"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The clouds `--cloud` names, with their ARM endpoints and authority hosts. */
export const CLOUDS = {
  AzureCloud: { armEndpoint: "https://management.azure.com", authorityHost: "https://login.microsoftonline.com" },
  AzureUSGovernment: { armEndpoint: "https://management.usgovcloudapi.net", authorityHost: "https://login.microsoftonline.us" },
  AzureChinaCloud: { armEndpoint: "https://management.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" },
} as const;
export type CloudName = keyof typeof CLOUDS;

/** Options shared by every credential kind. */
export interface CredentialOptions {
  kind: CredentialKind;
  authorityHost?: string;
  /** Extra trusted CA (PEM) for a private authority such as the emulator. */
  caPem?: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A fixed bearer token: the emulator accepts any token, and this one never leaves the process. */
export function staticTokenCredential(token = "acg-migrate-emulator"): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

const PUBLIC_AUTHORITIES = /(^|\.)(microsoftonline\.com|microsoftonline\.us|chinacloudapi\.cn)$/i;

/** Builds the credential a `--credential` kind names; secrets come from the environment only. */
export function createCredential(options: CredentialOptions): TokenCredential {
  const authorityHost = options.authorityHost ?? options.env["AZURE_AUTHORITY_HOST"];
  // Instance discovery asks login.microsoftonline.com about the authority: useless, and
  // failing, for a private authority.
  const disableInstanceDiscovery = authorityHost ? !PUBLIC_AUTHORITIES.test(new URL(authorityHost).hostname) : false;
  const tlsOptions = options.caPem ? { tlsOptions: { ca: options.caPem } } : {};
  const common = { ...(authorityHost ? { authorityHost } : {}), disableInstanceDiscovery, ...tlsOptions };
  switch (options.kind) {
    case "emulator":
      return staticTokenCredential();
    case "cli":
      return new AzureCliCredential();
    case "env":
      return new EnvironmentCredential(common);
    case "managed-identity": {
      const clientId = options.env["AZURE_CLIENT_ID"];
      return new ManagedIdentityCredential({ ...(clientId ? { clientId } : {}), ...tlsOptions });
    }
    case "workload-identity":
      return new WorkloadIdentityCredential(common);
    case "client-secret": {
      const tenantId = options.env["AZURE_TENANT_ID"];
      const clientId = options.env["AZURE_CLIENT_ID"];
      const secret = options.env["AZURE_CLIENT_SECRET"];
      if (!tenantId || !clientId || !secret) {
        throw new MissingCredentialSettings("--credential client-secret needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET in the environment");
      }
      return new ClientSecretCredential(tenantId, clientId, secret, common);
    }
    case "default":
      return new DefaultAzureCredential(common);
  }
}

/** A credential kind whose required settings are missing (a usage problem, exit 2). */
export class MissingCredentialSettings extends Error {
  override name = "MissingCredentialSettings";
}
