/**
 * The `.ionapi` file of a tenant's backend-service app, as ION API hands it out: `iu` is the API base
 * (calls go to `{iu}/{ti}/…`), `pu` the authorization server base ending in `/{ti}/as/`, and `saak`
 * starts with `{ti}#`.
 */
import type { CloudSuiteTenant } from './cloudsuite-tenant.ts';

export interface IonApiFile {
  ti: string;
  cn: string;
  dt: string;
  ci: string;
  cs: string;
  iu: string;
  pu: string;
  oa: string;
  ot: string;
  or: string;
  ev: string;
  v: string;
  saak: string;
  sask: string;
}

export function buildIonApiFile(tenant: CloudSuiteTenant, baseUrl: string): IonApiFile {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    ti: tenant.tenantId,
    cn: tenant.appName,
    dt: '12',
    ci: tenant.clientId,
    cs: tenant.clientSecret,
    iu: base,
    pu: `${base}/${tenant.tenantId}/as/`,
    oa: 'authorization.oauth2',
    ot: 'token.oauth2',
    or: 'revoke_token.oauth2',
    ev: 'U1234567890',
    v: '1.0',
    saak: tenant.serviceAccountKey,
    sask: tenant.serviceAccountSecret,
  };
}
