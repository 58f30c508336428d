/**
 * Stand-in for the admin API's provisioning (issue 7) while that route does not exist: creates on a Zendesk
 * account the organization and user fields and the custom objects the loader's default mapping writes, as
 * that route would. Idempotent enough for a demo account: a field or object that exists is left alone.
 */
import { DEFAULT_MAPPING } from '../../services/loader/src/mapping/default-mapping.ts';

export interface OAuthClient {
  identifier: string;
  secret: string;
}

async function accessToken(accountUrl: string, client: OAuthClient): Promise<string> {
  const response = await fetch(`${accountUrl}/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.identifier,
      client_secret: client.secret,
    }),
  });
  if (!response.ok) throw new Error(`Zendesk token request answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Returns how many fields and objects it created. */
export async function provisionDefaultMapping(accountUrl: string, client: OAuthClient): Promise<number> {
  const token = await accessToken(accountUrl, client);
  let created = 0;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${accountUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    // 422 "already taken" is the idempotent case; anything else is a real problem.
    if (response.ok) created += 1;
    else if (response.status !== 422)
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  };
  const { entities, supplierContacts } = DEFAULT_MAPPING;
  const field = (kind: 'user' | 'organization', key: string, type: string) =>
    post(`/api/v2/${kind}_fields`, { [`${kind}_field`]: { key, type, title: key } });
  for (const key of Object.keys(entities.supplier.fields)) await field('organization', key, 'text');
  await field('organization', entities.supplier.activeField, 'checkbox');
  for (const key of new Set([...Object.keys(entities.customer.fields), ...Object.keys(supplierContacts.fields)])) {
    await field('user', key, 'text');
  }
  await field('user', entities.customer.activeField, 'checkbox');
  for (const entity of ['invoice', 'purchase-order', 'gl-account'] as const) {
    const mapping = entities[entity];
    const key = mapping.customObjectKey ?? entity;
    await post('/api/v2/custom_objects', { custom_object: { key, title: key, title_pluralized: `${key}s` } });
    const fields: [string, string, Record<string, unknown>][] = Object.keys(mapping.fields).map((k) => [k, 'text', {}]);
    fields.push([mapping.activeField, 'checkbox', {}]);
    if (mapping.organizationLookupField) {
      fields.push([mapping.organizationLookupField, 'lookup', { relationship_target_type: 'zen:organization' }]);
    }
    for (const [fieldKey, type, extra] of fields) {
      await post(`/api/v2/custom_objects/${key}/fields`, {
        custom_object_field: { key: fieldKey, type, title: fieldKey, ...extra },
      });
    }
  }
  return created;
}
