import { zendeskApiTokenAuthorization } from '@mlc/common/zendesk-api-token';

/** Supplies the Authorization header of every Zendesk call; `invalidate` after a 401 forces a new token. */
export interface ZendeskAuthorizer {
  authorization(): Promise<string>;
  invalidate(): void;
  /**
   * Called when Zendesk still refuses us after a fresh token (or no token can be had): the tenant's
   * credentials may have been replaced. Re-reads them; true when they changed, so the call is worth a retry.
   */
  recover?(): Promise<boolean>;
}

/** Legacy API token (`{email}/token:{token}`, Basic): retired by Zendesk on 2027-04-30, kept as an option. */
export function apiTokenAuthorizer(email: string, apiToken: string): ZendeskAuthorizer {
  const header = zendeskApiTokenAuthorization(email, apiToken);
  return { authorization: async () => header, invalidate: () => {} };
}
