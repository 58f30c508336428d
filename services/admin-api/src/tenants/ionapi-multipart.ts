import multipart from '@fastify/multipart';
import { MlcError } from '@mlc/common/errors';
import { decodeIonApiBytes } from '@mlc/common/ionapi-file';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const IONAPI_FILE_MAX_BYTES = 64 * 1024;

/** Accepts multipart/form-data on the routes of this plugin scope, bounded to one small file and a few fields. */
export async function registerIonApiMultipart(app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    limits: { fileSize: IONAPI_FILE_MAX_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 256 * 1024 },
  });
}

/**
 * A multipart tenant registration: the `.ionapi` file as it is (part `ionapi`) and the other settings as
 * JSON (part `tenant`). Assembled into the same body the JSON route takes, so one schema validates both.
 */
export async function multipartTenantBody(request: FastifyRequest): Promise<Record<string, unknown>> {
  let ionapi: string | undefined;
  let settings: Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'ionapi') {
        await part.toBuffer();
        throw new MlcError(
          'MLC_VALIDATION',
          `Unexpected file part ${part.fieldname}: send the .ionapi as part "ionapi"`,
          {
            field: part.fieldname,
          },
        );
      }
      ionapi = decodeIonApiBytes(await part.toBuffer());
    } else if (part.fieldname === 'ionapi') {
      ionapi = String(part.value);
    } else if (part.fieldname === 'tenant') {
      try {
        const parsed: unknown = JSON.parse(String(part.value));
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        settings = parsed as Record<string, unknown>;
      } catch {
        throw new MlcError('MLC_VALIDATION', 'Part "tenant" must be a JSON object of the tenant settings', {
          field: 'tenant',
        });
      }
    } else {
      throw new MlcError('MLC_VALIDATION', `Unexpected part ${part.fieldname}: send parts "tenant" and "ionapi"`, {
        field: part.fieldname,
      });
    }
  }
  if (ionapi === undefined)
    throw new MlcError('MLC_VALIDATION', 'Part "ionapi" (the .ionapi file) is missing', { field: 'ionapi' });
  return { ...settings, ionapi };
}
