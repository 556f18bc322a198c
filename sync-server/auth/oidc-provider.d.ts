/** The part of oidc-provider (which ships no types) that pscDevProvider.ts uses. */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  interface OidcContext {
    oidc: {
      result?: { consent?: { grantId?: string } };
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      client?: { clientId: string };
      provider: { Grant: { new (fields: { clientId: string; accountId: string }): Grant; find(id: string): Promise<Grant | undefined> } };
    };
  }
  export interface Configuration {
    clients: Record<string, unknown>[];
    scopes: string[];
    claims: Record<string, string[]>;
    acrValues: string[];
    pkce: { required: () => boolean };
    features: Record<string, unknown>;
    cookies: { keys: string[] };
    jwks: { keys: Record<string, unknown>[] };
    ttl: Record<string, number>;
    interactions: { url: (ctx: unknown, interaction: { uid: string }) => string };
    findAccount(ctx: unknown, id: string): Promise<{ accountId: string; claims: () => Record<string, unknown> } | undefined>;
    loadExistingGrant(ctx: OidcContext): Promise<Grant | undefined>;
  }
  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    Grant: OidcContext['oidc']['provider']['Grant'];
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: unknown, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }
}
