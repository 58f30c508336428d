import { DEFAULT_MAPPING } from '@mlc/loader/mapping/default-mapping';
import type { ZendeskClient } from '@mlc/loader/zendesk/zendesk-client';

type Kind = 'user' | 'organization';

async function field(client: ZendeskClient, kind: Kind, key: string, type: string): Promise<void> {
  await client.send({
    method: 'POST',
    path: `/api/v2/${kind}_fields`,
    body: { [`${kind}_field`]: { key, type, title: key } },
    endpoint: `${kind}_fields/create`,
    idempotent: false,
  });
}

/** Creates the fields and custom objects the default mapping writes (what admin-api provisioning does). */
export async function provisionDefaultMapping(client: ZendeskClient): Promise<void> {
  const { entities, supplierContacts } = DEFAULT_MAPPING;
  const organizationKeys = new Set([...Object.keys(entities.supplier.fields)]);
  const userKeys = new Set([...Object.keys(entities.customer.fields), ...Object.keys(supplierContacts.fields)]);
  for (const key of organizationKeys) await field(client, 'organization', key, 'text');
  await field(client, 'organization', entities.supplier.activeField, 'checkbox');
  for (const key of userKeys) await field(client, 'user', key, 'text');
  await field(client, 'user', entities.customer.activeField, 'checkbox');
  for (const entity of ['invoice', 'purchase-order', 'gl-account'] as const) {
    const mapping = entities[entity];
    const key = mapping.customObjectKey!;
    await client.send({
      method: 'POST',
      path: '/api/v2/custom_objects',
      body: { custom_object: { key, title: key, title_pluralized: `${key}s` } },
      endpoint: 'custom_objects/create',
      idempotent: false,
    });
    const fields: [string, string, Record<string, unknown>][] = Object.keys(mapping.fields).map((k) => [k, 'text', {}]);
    fields.push([mapping.activeField, 'checkbox', {}]);
    if (mapping.organizationLookupField) {
      fields.push([mapping.organizationLookupField, 'lookup', { relationship_target_type: 'zen:organization' }]);
    }
    for (const [fieldKey, type, extra] of fields) {
      await client.send({
        method: 'POST',
        path: `/api/v2/custom_objects/${key}/fields`,
        body: { custom_object_field: { key: fieldKey, type, title: fieldKey, ...extra } },
        endpoint: 'custom_objects/fields/create',
        idempotent: false,
      });
    }
  }
}
