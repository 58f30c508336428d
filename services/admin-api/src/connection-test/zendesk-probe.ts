import type { HttpClient, HttpResponse } from '@mlc/common/http-client';
import type { ZendeskCredentials } from '@mlc/common/tenant-repository';
import { zendeskApiTokenAuthorization } from '@mlc/common/zendesk-api-token';
import { accessTokenOf, type ProbeResult, type ProbeStep, probeRequest, probeResult } from './probe-result.ts';

export function zendeskBaseUrl(subdomain: string, override: string | null): string {
  return (override ?? `https://${subdomain}.zendesk.com`).replace(/\/+$/, '');
}

function tokenProblem(response: HttpResponse): string | undefined {
  if (response.status !== 200) return `Zendesk token endpoint answered ${response.status}`;
  const token = (response.body as { access_token?: unknown } | undefined)?.access_token;
  return typeof token === 'string' && token !== '' ? undefined : 'Zendesk answered without access_token';
}

function meProblem(response: HttpResponse): string | undefined {
  if (response.status !== 200) return `GET /api/v2/users/me answered ${response.status}`;
  const user = (response.body as { user?: { id?: unknown } } | undefined)?.user;
  // With a wrong API token some accounts answer 200 with the anonymous user (id null).
  return user?.id === null || user?.id === undefined
    ? 'Zendesk answered with an anonymous user: credentials not accepted'
    : undefined;
}

/** Gets an OAuth token (client_credentials) or uses the legacy API token, then calls GET /api/v2/users/me. */
export async function probeZendesk(
  http: HttpClient,
  baseUrl: string,
  credentials: ZendeskCredentials,
): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  let authorization: string;
  const secrets = credentials.kind === 'oauth' ? [credentials.clientSecret] : [credentials.apiToken];
  if (credentials.kind === 'oauth') {
    const token = await probeRequest(
      http,
      'token',
      {
        method: 'POST',
        url: `${baseUrl}/oauth/tokens`,
        json: {
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          scope: 'read',
        },
      },
      secrets,
      tokenProblem,
    );
    steps.push(token.step);
    if (!token.step.ok) return probeResult(steps);
    const accessToken = accessTokenOf(token.response);
    secrets.push(accessToken);
    authorization = `Bearer ${accessToken}`;
  } else {
    authorization = zendeskApiTokenAuthorization(credentials.email, credentials.apiToken);
  }
  const me = await probeRequest(
    http,
    'call',
    { url: `${baseUrl}/api/v2/users/me`, headers: { authorization } },
    secrets,
    meProblem,
  );
  steps.push(me.step);
  const user = (me.response?.body as { user?: { id?: unknown; role?: unknown } } | undefined)?.user;
  return probeResult(steps, { userId: user?.id, role: user?.role, authKind: credentials.kind });
}
