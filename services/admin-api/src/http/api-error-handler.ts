import { ERROR_CATALOG, isMlcError, type MlcErrorCode } from '@mlc/common/errors';
import type { Logger } from '@mlc/common/logger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/** Every error response of the admin API: a stable code from the common catalog, a message, the field at fault. */
export interface ApiErrorBody {
  error: { code: MlcErrorCode; message: string; field?: string };
}

export function apiError(code: MlcErrorCode, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

function zodField(error: ZodError, context: string | undefined): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue?.path.map(String) ?? [];
  // An unknown key is reported at its parent; naming the key itself is what the caller needs.
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys : [];
  const segments = keys.length > 0 ? [...path, keys[0] as string] : path;
  const field = segments.join('.') || (context ?? 'body');
  return { field, message: issue?.message ?? 'invalid value' };
}

/** Fastify's own errors (content type, body size, JSON syntax) mapped onto the catalog. */
// Fixed messages: JSON.parse's own message quotes the body, which may hold a secret.
const FASTIFY_CODES: Record<string, { code: MlcErrorCode; status: number; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'MLC_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    message: 'Unsupported content type: send application/json (or multipart/form-data where documented)',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'MLC_VALIDATION',
    status: 400,
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'MLC_PAYLOAD_TOO_LARGE', status: 413, message: 'The request body is too large' },
  FST_REQ_FILE_TOO_LARGE: { code: 'MLC_PAYLOAD_TOO_LARGE', status: 413, message: 'The uploaded file is too large' },
  FST_PARTS_LIMIT: { code: 'MLC_PAYLOAD_TOO_LARGE', status: 413, message: 'Too many multipart parts' },
  FST_FILES_LIMIT: { code: 'MLC_PAYLOAD_TOO_LARGE', status: 413, message: 'Too many uploaded files' },
  FST_FIELDS_LIMIT: { code: 'MLC_PAYLOAD_TOO_LARGE', status: 413, message: 'Too many multipart fields' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MLC_VALIDATION', status: 400, message: 'The JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MLC_VALIDATION', status: 400, message: 'The body is not valid JSON' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    code: 'MLC_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    message: 'The request is not multipart',
  },
};

/**
 * Errors fastify raises before routing (a malformed URL, a path parameter over the router's length limit): the
 * same body shape as every other error, instead of fastify's own.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send(apiError('MLC_VALIDATION', 'A path parameter is too long (at most 100 characters)', 'path'));
    return;
  }
  reply.code(400).send(apiError('MLC_VALIDATION', 'The URL is not valid', 'path'));
}

/**
 * The one place errors become responses: MlcError → its status, code and field; zod validation → 400 naming
 * the field; fastify client errors → the catalog; anything else → 500 MLC_INTERNAL, logged, never a stack or a
 * message that could carry a secret.
 */
export function installApiErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (isMlcError(error)) {
      if (error.statusCode >= 500) logger.error({ err: error, reqId: request.id }, 'admin API request failed');
      return reply.code(error.statusCode).send(apiError(error.code, error.message, error.field));
    }
    if (error instanceof ZodError) {
      const context = (error as { validationContext?: string }).validationContext;
      const { field, message } = zodField(error, context);
      return reply.code(400).send(apiError('MLC_VALIDATION', `${field}: ${message}`, field));
    }
    const code = (error as FastifyError).code;
    const mapped = code === undefined ? undefined : FASTIFY_CODES[code];
    if (mapped !== undefined) return reply.code(mapped.status).send(apiError(mapped.code, mapped.message, 'body'));
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send(apiError('MLC_VALIDATION', `The request was rejected (${code ?? status})`));
    }
    logger.error({ err: error, reqId: request.id }, 'admin API request failed unexpectedly');
    return reply.code(500).send(apiError('MLC_INTERNAL', ERROR_CATALOG.MLC_INTERNAL.description));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(apiError('MLC_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
