import { z } from 'zod';
import { entityName, pageCursor, pageLimit } from '../http/shared-schemas.ts';

export const triggerRunBody = z
  .object({
    /** Default: every entity of the tenant. */
    entities: z.array(entityName).min(1).max(10).optional(),
    /** Re-read everything from the ERP (watermarks and published hashes reset) instead of a delta. */
    fullResync: z.boolean().default(false),
  })
  .strict()
  .nullish();

export type TriggerRunBody = NonNullable<z.infer<typeof triggerRunBody>>;

export const listRunsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(20),
    before: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const runParams = z.object({ id: z.uuid() }).strict();

export const runRequestParams = z.object({ id: z.uuid() }).strict();

export { pageCursor, pageLimit };
