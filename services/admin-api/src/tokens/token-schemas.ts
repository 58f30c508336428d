import { z } from 'zod';
import { tenantId } from '../http/shared-schemas.ts';

export const createTokenBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(['admin', 'operator']),
    /** Tenants an operator may act on; ignored for admins. */
    tenantIds: z.array(tenantId).max(1000).default([]),
  })
  .strict()
  .refine((body) => body.role === 'admin' || body.tenantIds.length > 0, {
    message: 'an operator token needs at least one tenant',
    path: ['tenantIds'],
  });

export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const tokenIdParams = z.object({ id: z.uuid() }).strict();
