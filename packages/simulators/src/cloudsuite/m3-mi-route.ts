/**
 * `GET /{ti}/M3/m3api-rest/v2/execute/{PROGRAM}/{TRANSACTION}`. Session parameters (`maxrecs`,
 * `returncols`, `cono`, `divi`, `dateformat`, `excludeempty`, `righttrim`) come as query parameters or
 * as matrix parameters on the transaction segment (`LstSuppliers;maxrecs=10`), both forms seen in
 * clients; upper-case query parameters are the transaction's input fields.
 */
import type { FastifyInstance } from 'fastify';
import type { CloudSuiteTenant } from './cloudsuite-tenant.ts';
import { type MiError, type MiResponse, miFailure, miSuccess } from './m3-mi-response.ts';
import { M3_DATE_FIELDS, M3_FIELD_LENGTH, type MiRecord } from './m3-record-views.ts';
import { M3_DATE_FORMATS, type M3DateFormat, renderDate } from './m3-timestamp.ts';
import { checkCompany, checkDivision, MI_PROGRAMS } from './m3-transactions.ts';

const SESSION_PARAMS = new Set([
  'maxrecs',
  'returncols',
  'cono',
  'divi',
  'dateformat',
  'excludeempty',
  'righttrim',
  'metadata',
]);
const DEFAULT_MAXRECS = 100;

function firstValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return firstValue(v[0]);
  return typeof v === 'string' ? v : undefined;
}

export function executeMi(
  tenant: CloudSuiteTenant,
  program: string,
  transactionSegment: string,
  query: Record<string, unknown>,
): MiResponse {
  const [transactionName = '', ...matrix] = transactionSegment.split(';');
  const session: Record<string, string> = {};
  const inputs: Record<string, string> = {};
  for (const part of matrix) {
    const eq = part.indexOf('=');
    if (eq > 0) session[part.slice(0, eq).toLowerCase()] = decodeURIComponent(part.slice(eq + 1));
  }
  for (const [key, raw] of Object.entries(query)) {
    const value = firstValue(raw);
    if (value === undefined) continue;
    if (SESSION_PARAMS.has(key.toLowerCase())) session[key.toLowerCase()] = value;
    else inputs[key.toUpperCase()] = value;
  }

  const fail = (error: MiError) => miFailure(transactionName, error);
  const miProgram = MI_PROGRAMS[program.toUpperCase()];
  if (!miProgram) return fail({ errorType: 'ServerReturnedNOK', errorMessage: `Program ${program} does not exist` });
  const transaction = miProgram.transactions[transactionName];
  if (!transaction) {
    return fail({
      errorType: 'TransactionNotFound',
      errorMessage: `Transaction ${transactionName} does not exist in ${miProgram.name}`,
    });
  }

  let maxrecs = DEFAULT_MAXRECS;
  if (session.maxrecs !== undefined) {
    const n = Number(session.maxrecs);
    if (!Number.isInteger(n) || n < 0)
      return fail({ errorType: 'ServerReturnedNOK', errorMessage: `Invalid maxrecs ${session.maxrecs}` });
    maxrecs = n === 0 ? Number.POSITIVE_INFINITY : n;
  }
  const dateFormat = (session.dateformat ?? 'YMD8').toUpperCase();
  if (!M3_DATE_FORMATS.includes(dateFormat as M3DateFormat)) {
    return fail({ errorType: 'ServerReturnedNOK', errorMessage: `Invalid dateformat ${session.dateformat}` });
  }
  const companyError = checkCompany(session.cono) ?? checkCompany(inputs.CONO) ?? checkDivision(session.divi);
  if (companyError) return fail(companyError);

  for (const field of transaction.inputs) {
    const value = inputs[field.name];
    if (field.mandatory && (value === undefined || value.trim() === '')) {
      return fail({
        errorType: 'MandatoryInputFieldNotFound',
        errorField: field.name,
        errorMessage: `Mandatory input field ${field.name} not found`,
      });
    }
    if (value !== undefined && value.length > field.length) {
      return fail({
        errorType: 'InputFieldTooLong',
        errorField: field.name,
        errorMessage: `Input field ${field.name} is too long (max ${field.length})`,
      });
    }
  }

  const outcome = transaction.run({ dataset: tenant.dataset, inputs, maxrecs });
  if ('error' in outcome) return fail(outcome.error);
  const returnCols = session.returncols
    ? session.returncols
        .split(',')
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean)
    : null;
  const excludeEmpty = session.excludeempty?.toLowerCase() === 'true';
  const rightTrim = session.righttrim?.toLowerCase() !== 'false';
  const shaped = outcome.records.map((record) =>
    shapeRecord(record, { returnCols, excludeEmpty, rightTrim, dateFormat: dateFormat as M3DateFormat }),
  );
  return miSuccess(transaction.name, shaped);
}

function shapeRecord(
  record: MiRecord,
  o: { returnCols: string[] | null; excludeEmpty: boolean; rightTrim: boolean; dateFormat: M3DateFormat },
): MiRecord {
  const out: MiRecord = {};
  const fields = o.returnCols ? o.returnCols.filter((c) => c in record) : Object.keys(record);
  for (const field of fields) {
    let value = record[field] ?? '';
    if (M3_DATE_FIELDS.has(field)) value = renderDate(value, o.dateFormat);
    if (!o.rightTrim && M3_FIELD_LENGTH[field] !== undefined) value = value.padEnd(M3_FIELD_LENGTH[field]!, ' ');
    if (o.excludeEmpty && value.trim() === '') continue;
    out[field] = value;
  }
  return out;
}

export function registerM3MiRoutes(app: FastifyInstance, tenantOf: (id: string) => CloudSuiteTenant | undefined): void {
  app.get<{ Params: { tenant: string; program: string; transaction: string } }>(
    '/:tenant/M3/m3api-rest/v2/execute/:program/:transaction',
    async (request, reply) => {
      const tenant = tenantOf(request.params.tenant);
      if (tenant?.product !== 'm3')
        return reply.code(404).send({ error: 'Not Found', message: 'No M3 service for this tenant' });
      return reply.send(
        executeMi(tenant, request.params.program, request.params.transaction, request.query as Record<string, unknown>),
      );
    },
  );
}
