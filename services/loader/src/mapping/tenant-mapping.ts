import { ENTITY_NAMES, type EntityName } from '@mlc/common/entities';
import { MlcError } from '@mlc/common/errors';
import { z } from 'zod';
import { DEFAULT_MAPPING, type EntityMapping, type LoaderMapping } from './default-mapping.ts';

const fieldKey = z.string().regex(/^[A-Za-z0-9_]+$/, 'Zendesk field keys are letters, digits and _');
/** A null value removes a default field from the mapping. */
const fieldMapOverride = z.record(fieldKey, z.string().min(1).nullable());

const entityOverride = z
  .object({
    objectType: z.enum(['organization', 'user', 'custom_object_record']),
    customObjectKey: fieldKey,
    nameFrom: z.string().min(1),
    standard: fieldMapOverride,
    fields: fieldMapOverride,
    organizationLookupField: fieldKey.nullable(),
    onDelete: z.enum(['mark-inactive', 'delete']),
    activeField: fieldKey,
  })
  .partial()
  .strict();

const mappingOverride = z
  .object({
    entities: z.partialRecord(z.enum(ENTITY_NAMES), entityOverride),
    supplierContacts: z.object({ enabled: z.boolean(), fields: fieldMapOverride }).partial().strict(),
  })
  .partial()
  .strict();

export type MappingOverride = z.infer<typeof mappingOverride>;

function mergeFields(base: Record<string, string>, override: Record<string, string | null> | undefined) {
  const merged: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function mergeEntity(base: EntityMapping, override: z.infer<typeof entityOverride> | undefined): EntityMapping {
  if (override === undefined) return base;
  const { standard, fields, organizationLookupField, ...scalars } = override;
  const merged: EntityMapping = {
    ...base,
    ...scalars,
    standard: mergeFields(base.standard, standard),
    fields: mergeFields(base.fields, fields),
  };
  if (organizationLookupField === null) delete merged.organizationLookupField;
  else if (organizationLookupField !== undefined) merged.organizationLookupField = organizationLookupField;
  return merged;
}

/**
 * The tenant's effective mapping: DESIGN.md §4 defaults with the tenant's `mapping` (jsonb) laid over them.
 * An invalid override is a configuration error naming the offending path, never a silent default.
 */
export function resolveTenantMapping(tenantId: string, override: unknown): LoaderMapping {
  if (override === null || override === undefined) return DEFAULT_MAPPING;
  const parsed = mappingOverride.safeParse(override);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new MlcError('MLC_VALIDATION', `Tenant ${tenantId} has an invalid mapping at "${path}": ${issue?.message}`, {
      statusCode: 400,
      field: `mapping.${path}`,
    });
  }
  const entities = {} as Record<EntityName, EntityMapping>;
  for (const entity of ENTITY_NAMES) {
    const merged = mergeEntity(DEFAULT_MAPPING.entities[entity], parsed.data.entities?.[entity]);
    if (merged.objectType === 'custom_object_record' && merged.customObjectKey === undefined) {
      throw new MlcError('MLC_VALIDATION', `Tenant ${tenantId} maps ${entity} to a custom object without a key`, {
        statusCode: 400,
        field: `mapping.entities.${entity}.customObjectKey`,
      });
    }
    entities[entity] = merged;
  }
  const contacts = parsed.data.supplierContacts;
  return {
    entities,
    supplierContacts: {
      enabled: contacts?.enabled ?? DEFAULT_MAPPING.supplierContacts.enabled,
      fields: mergeFields(DEFAULT_MAPPING.supplierContacts.fields, contacts?.fields),
    },
  };
}
