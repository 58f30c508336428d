/** Supplies the Authorization header of every Zendesk call; `invalidate` after a 401 forces a new token. */
export interface ZendeskAuthorizer {
  authorization(): Promise<string>;
  invalidate(): void;
}

/** Legacy API token (`{email}/token:{token}`, Basic): retired by Zendesk on 2027-04-30, kept as an option. */
export function apiTokenAuthorizer(email: string, apiToken: string): ZendeskAuthorizer {
  const header = `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`;
  return { authorization: async () => header, invalidate: () => {} };
}
