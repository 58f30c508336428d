import { ENTITY_NAMES } from '@mlc/common/entities';
import { z } from 'zod';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantId = z
  .string()
  .regex(TENANT_ID_PATTERN, 'must be 1-63 lower-case letters, digits, "_" or "-", starting with a letter or digit');

export const tenantParams = z.object({ id: tenantId }).strict();

export const entityName = z.enum(ENTITY_NAMES);

export const isoTime = z.iso.datetime({ offset: true });

export const pageLimit = z.coerce.number().int().min(1).max(500).default(50);

/** Opaque cursor: the last row id of the previous page. */
export const pageCursor = z.string().regex(/^\d{1,19}$/, 'must be a cursor returned by a previous page');

export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

export const bearerSecurity = [{ bearerAuth: [] }];
