import type { FastifyInstance, FastifySchema } from 'fastify';
import { type ZodType, z } from 'zod';

/**
 * Routes declare their body, querystring and params as zod schemas. Fastify validates with zod (the parsed
 * value, with defaults and coercions, replaces the input), and @fastify/swagger documents the same schemas
 * converted by zod's own JSON-schema generator, so validation and the OpenAPI document cannot drift apart.
 */

function isZodSchema(schema: unknown): schema is ZodType {
  return schema instanceof z.ZodType;
}

export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => {
    if (!isZodSchema(schema)) throw new Error('admin API route schemas must be zod schemas');
    return (data: unknown) => {
      const result = schema.safeParse(data);
      // A ZodError thrown by the validator reaches the error handler with `validationContext` set.
      return result.success ? { value: result.data } : { error: result.error };
    };
  });
}

const SCHEMA_PARTS = ['body', 'querystring', 'params', 'headers'] as const;

function toOpenApi(schema: unknown): unknown {
  if (!isZodSchema(schema)) return schema;
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
}

/** @fastify/swagger `transform`: zod schemas of a route become OpenAPI schemas. */
export function zodToOpenApiTransform({ schema, url }: { schema: FastifySchema; url: string }) {
  if (schema === undefined || schema === null) return { schema, url };
  const transformed: Record<string, unknown> = { ...schema };
  for (const part of SCHEMA_PARTS) {
    if (part in schema) transformed[part] = toOpenApi((schema as Record<string, unknown>)[part]);
  }
  const response = (schema as { response?: Record<string, unknown> }).response;
  if (response !== undefined) {
    transformed.response = Object.fromEntries(
      Object.entries(response).map(([status, value]) => [status, toOpenApi(value)]),
    );
  }
  return { schema: transformed as FastifySchema, url };
}
