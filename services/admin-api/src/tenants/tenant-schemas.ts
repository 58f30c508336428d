import { mappingOverride } from '@mlc/common/zendesk-mapping';
import { Cron } from 'croner';
import { z } from 'zod';
import { tenantId } from '../http/shared-schemas.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

/** Zendesk plans and their account-wide requests per minute (DESIGN.md §4). */
export const ZENDESK_PLAN_RPM = {
  team: 200,
  growth: 400,
  professional: 400,
  enterprise: 700,
  enterprise_plus: 2500,
} as const;

/** The `.ionapi` file: its text as uploaded, or its JSON content as an object. */
const ionapiContent = z.union([
  z
    .string()
    .min(1)
    .max(64 * 1024),
  z.record(z.string(), z.unknown()),
]);

/**
 * The entities the extractor reads with an MI list transaction, and the inputs it sets itself (delta
 * stamp, start key): extra inputs apply only to these, and may not replace those. EXPORTMI sources
 * (invoice, purchase-order) take no MI inputs.
 */
const M3_MI_LIST_RESERVED_INPUTS = {
  supplier: ['LMTS', 'FRSU'],
  customer: ['LMTS', 'CUNO'],
  'gl-account': [],
} as const satisfies Record<string, readonly string[]>;

type M3MiListEntity = keyof typeof M3_MI_LIST_RESERVED_INPUTS;

const m3InputValues = (entity: M3MiListEntity) =>
  z
    .record(
      z.string().regex(/^[A-Z][A-Z0-9]{2,5}$/, 'must be an M3 field name such as DIVI (3-6 upper-case letters/digits)'),
      z.string().max(100, 'must be at most 100 characters'),
    )
    .superRefine((inputs, context) => {
      const reserved: readonly string[] = M3_MI_LIST_RESERVED_INPUTS[entity];
      for (const field of Object.keys(inputs)) {
        if (reserved.includes(field))
          context.addIssue({ code: 'custom', message: `${field} is set by the extractor itself`, path: [field] });
      }
    });

/** Extra inputs per entity's MI list call, e.g. `{"gl-account": {"DIVI": "AM1"}}`. */
const m3Inputs = z
  .object({
    supplier: m3InputValues('supplier').optional(),
    customer: m3InputValues('customer').optional(),
    'gl-account': m3InputValues('gl-account').optional(),
  })
  .strict();

const m3Settings = z
  .object({
    company: z.string().regex(/^\d{1,3}$/, 'must be the M3 company number (CONO), 1-3 digits'),
    division: z.string().trim().max(3).optional(),
    deletes: z.boolean().optional(),
    /** Where PO lines come from: the MPLINE table through EXPORTMI (default) or PPS200MI/LstLine per PO. */
    m3LineSource: z.enum(['exportmi', 'mi']).optional(),
    m3Inputs: m3Inputs.optional(),
  })
  .strict();

const csiSettings = z.object({ mongooseConfig: text(100), deletes: z.boolean().optional() }).strict();

const zendeskOAuth = z.object({ clientId: text(200), clientSecret: text(500) }).strict();
const zendeskApiToken = z.object({ email: z.email(), token: text(500) }).strict();

const zendeskFields = {
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, 'must be the account subdomain (acme for acme.zendesk.com)')
    .transform((value) => value.toLowerCase()),
  /** Overrides https://{subdomain}.zendesk.com (simulators, sandboxes, proxies). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable(),
  oauth: zendeskOAuth,
  apiToken: zendeskApiToken,
};

function oneCredentialKind(
  value: { oauth?: unknown; apiToken?: unknown },
  context: z.RefinementCtx,
  required: boolean,
) {
  if (value.oauth !== undefined && value.apiToken !== undefined) {
    context.addIssue({ code: 'custom', message: 'give either oauth or apiToken, not both', path: ['apiToken'] });
  } else if (required && value.oauth === undefined && value.apiToken === undefined) {
    context.addIssue({
      code: 'custom',
      message: 'give oauth {clientId, clientSecret} or apiToken {email, token}',
      path: ['oauth'],
    });
  }
}

const zendeskCreate = z
  .object({
    ...zendeskFields,
    baseUrl: zendeskFields.baseUrl.optional(),
    oauth: zendeskOAuth.optional(),
    apiToken: zendeskApiToken.optional(),
  })
  .strict()
  .superRefine((value, context) => oneCredentialKind(value, context, true));

const zendeskPatch = z
  .object({
    subdomain: zendeskFields.subdomain.optional(),
    baseUrl: zendeskFields.baseUrl.optional(),
    oauth: zendeskOAuth.optional(),
    apiToken: zendeskApiToken.optional(),
  })
  .strict()
  .superRefine((value, context) => oneCredentialKind(value, context, false));

const zendeskPlanRpm = z.union([
  z.enum(Object.keys(ZENDESK_PLAN_RPM) as [keyof typeof ZENDESK_PLAN_RPM]).transform((plan) => ZENDESK_PLAN_RPM[plan]),
  z.number().int().min(10).max(100_000),
]);

const rateLimitFields = {
  /** ION API gateway requests per minute for this tenant (quota policies are 100-500). */
  ionRpm: z.number().int().min(100).max(500),
  /** The Zendesk account's plan limit: 200 | 400 | 700 | 2500, a plan name, or the exact number. */
  zendeskPlanRpm,
  /** Share of the account's limit the connector may use (other API clients share it); stored to 3 decimals. */
  zendeskShare: z.number().min(0.001, 'must be more than 0 (at least 0.001)').max(1),
};

const rateLimitsCreate = z
  .object({
    ionRpm: rateLimitFields.ionRpm.default(300),
    zendeskPlanRpm: rateLimitFields.zendeskPlanRpm.default(200),
    zendeskShare: rateLimitFields.zendeskShare.default(0.5),
  })
  .strict();

const rateLimitsPatch = z.object(rateLimitFields).partial().strict();

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const schedule = z
  .object({ cron: text(200), timeZone: text(100).default('UTC') })
  .strict()
  .superRefine((value, context) => {
    if (!isTimeZone(value.timeZone)) {
      context.addIssue({
        code: 'custom',
        message: 'must be an IANA time zone such as Europe/Berlin',
        path: ['timeZone'],
      });
      return;
    }
    try {
      new Cron(value.cron, { paused: true, timezone: value.timeZone }).stop();
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'invalid';
      context.addIssue({ code: 'custom', message: `is not a valid cron expression (${reason})`, path: ['cron'] });
    }
  });

const productRequirements = (
  value: { product?: 'm3' | 'csi'; m3?: unknown; csi?: unknown },
  context: z.RefinementCtx,
) => {
  if (value.product === 'm3' && value.csi !== undefined) {
    context.addIssue({ code: 'custom', message: 'csi settings do not apply to product m3', path: ['csi'] });
  }
  if (value.product === 'csi' && value.m3 !== undefined) {
    context.addIssue({ code: 'custom', message: 'm3 settings do not apply to product csi', path: ['m3'] });
  }
};

export const createTenantBody = z
  .object({
    id: tenantId,
    name: text(200),
    product: z.enum(['m3', 'csi']),
    m3: m3Settings.optional(),
    csi: csiSettings.optional(),
    ionapi: ionapiContent,
    zendesk: zendeskCreate,
    rateLimits: rateLimitsCreate.default({ ionRpm: 300, zendeskPlanRpm: 200, zendeskShare: 0.5 }),
    schedule: schedule.nullable().default(null),
    mapping: mappingOverride.default({}),
    status: z.enum(['active', 'paused']).default('active'),
  })
  .strict()
  .superRefine((value, context) => {
    productRequirements(value, context);
    if (value.product === 'm3' && value.m3 === undefined) {
      context.addIssue({ code: 'custom', message: 'product m3 needs m3 {company, division}', path: ['m3'] });
    }
    if (value.product === 'csi' && value.csi === undefined) {
      context.addIssue({ code: 'custom', message: 'product csi needs csi {mongooseConfig}', path: ['csi'] });
    }
  });

export const patchTenantBody = z
  .object({
    name: text(200).optional(),
    product: z.enum(['m3', 'csi']).optional(),
    m3: m3Settings.optional(),
    csi: csiSettings.optional(),
    ionapi: ionapiContent.optional(),
    zendesk: zendeskPatch.optional(),
    rateLimits: rateLimitsPatch.optional(),
    schedule: schedule.nullable().optional(),
    mapping: mappingOverride.optional(),
  })
  .strict()
  .superRefine(productRequirements);

export type CreateTenantBody = z.infer<typeof createTenantBody>;
export type PatchTenantBody = z.infer<typeof patchTenantBody>;

export const listTenantsQuery = z.object({ status: z.enum(['active', 'paused']).optional() }).strict();

/** Fields only admins may change: they decide where credentials are sent. */
export const CREDENTIAL_FIELDS = ['ionapi', 'zendesk'] as const;
