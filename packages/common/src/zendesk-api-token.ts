/**
 * The `Authorization` header of Zendesk's legacy API-token auth (`{email}/token:{token}`, Basic). Zendesk retires
 * API tokens on 2027-04-30; OAuth is the default, this stays as the option for accounts that still use them.
 */
export function zendeskApiTokenAuthorization(email: string, apiToken: string): string {
  return `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`;
}
