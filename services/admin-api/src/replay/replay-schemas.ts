import { z } from 'zod';
import { entityName, isoTime } from '../http/shared-schemas.ts';

export const replayBody = z
  .object({
    /** Default: every entity of the tenant. */
    entity: entityName.optional(),
    /** 'earliest' (the compacted change topics rebuild every record) or an ISO time. */
    from: z.union([z.literal('earliest'), isoTime]),
    /** Only these natural keys (needs `entity`). */
    naturalKeys: z.array(z.string().min(1).max(500)).min(1).max(1000).optional(),
    /** Re-post records whose content hash equals the applied one. */
    force: z.boolean().default(false),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.naturalKeys !== undefined && body.entity === undefined) {
      context.addIssue({ code: 'custom', message: 'naturalKeys need an entity', path: ['entity'] });
    }
    if (body.from !== 'earliest' && Date.parse(body.from) > Date.now()) {
      context.addIssue({ code: 'custom', message: 'must not be in the future', path: ['from'] });
    }
  });

export type ReplayBody = z.infer<typeof replayBody>;
