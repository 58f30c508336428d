/**
 * The tenant's ION authorization server at `pu` (`/{ti}/as/`): `token.oauth2` (password and
 * refresh_token grants) and `revoke_token.oauth2`. Form-encoded requests only; client credentials
 * in the body or as HTTP Basic; errors in RFC 6749 form (400 invalid_grant / unsupported_grant_type /
 * invalid_request, 401 invalid_client).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CloudSuiteTenant } from './cloudsuite-tenant.ts';
import type { IonTokenStore } from './ion-token-store.ts';

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';

function oauthError(reply: FastifyReply, status: number, error: OAuthError, description: string, basic = false) {
  if (basic) reply.header('www-authenticate', 'Basic realm="ION API"');
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

type Form = Record<string, string | undefined>;

function formOf(request: FastifyRequest): Form | null {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const form: Form = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) form[k] = typeof v === 'string' ? v : undefined;
  return form;
}

interface ClientAuth {
  clientId?: string;
  clientSecret?: string;
  basic: boolean;
  conflict: boolean;
}

function clientAuthOf(request: FastifyRequest, form: Form): ClientAuth {
  const header = request.headers.authorization;
  const bodyAuth = { clientId: form.client_id, clientSecret: form.client_secret };
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = decodeURIComponent(colon === -1 ? decoded : decoded.slice(0, colon));
    const clientSecret = colon === -1 ? '' : decodeURIComponent(decoded.slice(colon + 1));
    const conflict =
      (bodyAuth.clientId !== undefined && bodyAuth.clientId !== clientId) ||
      (bodyAuth.clientSecret !== undefined && bodyAuth.clientSecret !== clientSecret);
    return { clientId, clientSecret, basic: true, conflict };
  }
  return { ...bodyAuth, basic: false, conflict: false };
}

export function registerIonOAuthRoutes(
  app: FastifyInstance,
  deps: { tenant: (id: string) => CloudSuiteTenant | undefined; tokens: IonTokenStore },
): void {
  const authenticateClient = (request: FastifyRequest, reply: FastifyReply, tenant: CloudSuiteTenant, form: Form) => {
    const auth = clientAuthOf(request, form);
    if (auth.conflict) {
      oauthError(reply, 400, 'invalid_request', 'Client credentials were sent twice with different values');
      return false;
    }
    if (auth.clientId !== tenant.clientId || auth.clientSecret !== tenant.clientSecret) {
      oauthError(reply, 401, 'invalid_client', 'Client authentication failed', auth.basic);
      return false;
    }
    return true;
  };

  app.post<{ Params: { tenant: string } }>('/:tenant/as/token.oauth2', async (request, reply) => {
    const tenant = deps.tenant(request.params.tenant);
    if (!tenant) return reply.code(404).send({ error: 'invalid_request', error_description: 'Unknown tenant' });
    const form = formOf(request);
    if (!form)
      return oauthError(reply, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    if (!form.grant_type) return oauthError(reply, 400, 'invalid_request', 'Missing grant_type');
    if (!authenticateClient(request, reply, tenant, form)) return reply;

    if (form.grant_type === 'password') {
      if (!form.username || !form.password)
        return oauthError(reply, 400, 'invalid_request', 'Missing username or password');
      if (form.username !== tenant.serviceAccountKey || form.password !== tenant.serviceAccountSecret) {
        return oauthError(reply, 400, 'invalid_grant', 'Invalid resource owner credentials');
      }
      const issued = deps.tokens.issue(tenant.tenantId, tenant.tokenExpiresInSec, tenant.issuesRefreshTokens);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
    }
    if (form.grant_type === 'refresh_token' && tenant.issuesRefreshTokens) {
      if (!form.refresh_token) return oauthError(reply, 400, 'invalid_request', 'Missing refresh_token');
      if (deps.tokens.refreshTenant(form.refresh_token) !== tenant.tenantId) {
        return oauthError(reply, 400, 'invalid_grant', 'Refresh token is invalid, expired or revoked');
      }
      const issued = deps.tokens.issue(tenant.tenantId, tenant.tokenExpiresInSec, true, form.refresh_token);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
    }
    return oauthError(
      reply,
      400,
      'unsupported_grant_type',
      `Grant type ${form.grant_type} is not supported for this client`,
    );
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/as/revoke_token.oauth2', async (request, reply) => {
    const tenant = deps.tenant(request.params.tenant);
    if (!tenant) return reply.code(404).send({ error: 'invalid_request', error_description: 'Unknown tenant' });
    const form = formOf(request);
    if (!form)
      return oauthError(reply, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    if (!authenticateClient(request, reply, tenant, form)) return reply;
    if (!form.token) return oauthError(reply, 400, 'invalid_request', 'Missing token');
    deps.tokens.revoke(form.token, tenant.tenantId);
    return reply.code(200).send();
  });
}
