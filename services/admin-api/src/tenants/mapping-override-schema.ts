import { ENTITY_NAMES } from '@mlc/common/entities';
import { z } from 'zod';

/**
 * Per-tenant overrides of the DESIGN.md §4 default mapping, as the loader merges them (services/loader
 * mapping/tenant-mapping.ts keeps the same shape: a service cannot import another, so the shape is repeated
 * here and validated at registration rather than at the first posting). Candidate for packages/common.
 */
const fieldKey = z.string().regex(/^[A-Za-z0-9_]+$/, 'Zendesk field keys are letters, digits and _');
/** A null value removes a default field from the mapping. */
const fieldMapOverride = z.record(fieldKey, z.string().min(1).max(200).nullable());

const entityOverride = z
  .object({
    objectType: z.enum(['organization', 'user', 'custom_object_record']),
    customObjectKey: fieldKey,
    nameFrom: z.string().min(1).max(200),
    standard: fieldMapOverride,
    fields: fieldMapOverride,
    organizationLookupField: fieldKey.nullable(),
    onDelete: z.enum(['mark-inactive', 'delete']),
    activeField: fieldKey,
  })
  .partial()
  .strict();

export const mappingOverride = z
  .object({
    entities: z.partialRecord(z.enum(ENTITY_NAMES), entityOverride),
    supplierContacts: z.object({ enabled: z.boolean(), fields: fieldMapOverride }).partial().strict(),
  })
  .partial()
  .strict();

export type MappingOverride = z.infer<typeof mappingOverride>;
