import { MlcError } from '@mlc/common/errors';
import { RateBudget } from '@mlc/common/rate-budget';
import type { Dispatcher } from 'undici';
import type { LoaderMapping } from './mapping/default-mapping.ts';
import type { TargetRecord } from './mapping/target-record.ts';
import { resolveTenantMapping } from './mapping/tenant-mapping.ts';
import type { TenantDirectory, TenantZendesk } from './posting/posting-batch-processor.ts';
import { CustomObjectRecordsTarget } from './targets/custom-object-records-target.ts';
import { OrganizationsTarget } from './targets/organizations-target.ts';
import { UsersTarget } from './targets/users-target.ts';
import type { ZendeskTarget } from './targets/zendesk-target.ts';
import type { JobPollOptions } from './zendesk/job-status.ts';
import { apiTokenAuthorizer, type ZendeskAuthorizer } from './zendesk/zendesk-auth.ts';
import { type RequestBudget, ZendeskClient, type ZendeskClientOptions } from './zendesk/zendesk-client.ts';
import { oauthAuthorizer } from './zendesk/zendesk-oauth.ts';

export type ZendeskCredentials =
  | { kind: 'oauth'; clientId: string; clientSecret: string; scope?: string }
  | { kind: 'api_token'; email: string; apiToken: string };

/** What the loader needs to know about a tenant's Zendesk (tenants row + decrypted credentials). */
export interface ZendeskTenantSettings {
  tenantId: string;
  subdomain: string;
  /** Overrides the base URL built from the template (e.g. a simulator, a proxy). */
  baseUrl?: string;
  /** The account plan's requests per minute and the share of it this connector may use. */
  requestsPerMinute: number;
  share: number;
  credentials: ZendeskCredentials;
  mapping: unknown;
}

export interface TenantZendeskDirectoryOptions {
  loadTenant: (tenantId: string) => Promise<ZendeskTenantSettings | null>;
  /** `https://{subdomain}.zendesk.com` unless configured (ZENDESK_BASE_URL_TEMPLATE). */
  baseUrlTemplate?: string;
  poll: JobPollOptions;
  dispatcher?: Dispatcher;
  clientOptions?: Pick<ZendeskClientOptions, 'onResponse' | 'onRetry' | 'maxAttempts' | 'backoffBaseMs' | 'timeoutMs'>;
  /** Time a request of `tenantId` waited for its rate budget (metrics). */
  onBudgetWait?: (tenantId: string, waitedMs: number) => void;
}

export interface TenantRuntime extends TenantZendesk {
  budget: RateBudget;
  client: ZendeskClient;
  loadedAt: number;
}

export function zendeskBaseUrl(template: string, subdomain: string): string {
  return template.replaceAll('{subdomain}', encodeURIComponent(subdomain)).replace(/\/+$/, '');
}

/** The budget as the client sees it, timing each wait for the metrics. */
function timedBudget(budget: RateBudget, observe: (waitedMs: number) => void): RequestBudget {
  return {
    async acquire() {
      const started = performance.now();
      await budget.acquire();
      observe(performance.now() - started);
    },
    pause: (ms) => budget.pause(ms),
  };
}

/**
 * One runtime per tenant: its own rate budget (plan rpm × share, across every call we make for it), its own
 * OAuth token cache and Zendesk client, its targets. A tenant throttled by Zendesk pauses only its budget.
 */
export class TenantZendeskDirectory implements TenantDirectory {
  readonly #options: TenantZendeskDirectoryOptions;
  readonly #tenants = new Map<string, Promise<TenantRuntime>>();

  constructor(options: TenantZendeskDirectoryOptions) {
    this.#options = options;
  }

  get(tenantId: string): Promise<TenantRuntime> {
    let runtime = this.#tenants.get(tenantId);
    if (runtime === undefined) {
      runtime = this.#build(tenantId);
      runtime.catch(() => this.#tenants.delete(tenantId));
      this.#tenants.set(tenantId, runtime);
    }
    return runtime;
  }

  async #build(tenantId: string): Promise<TenantRuntime> {
    const settings = await this.#options.loadTenant(tenantId);
    if (settings === null) {
      throw new MlcError('MLC_NOT_FOUND', `Tenant ${tenantId} is not registered`, { field: 'tenantId' });
    }
    const mapping: LoaderMapping = resolveTenantMapping(tenantId, settings.mapping);
    const budget = new RateBudget({
      requestsPerMinute: Math.max(1, Math.floor(settings.requestsPerMinute * settings.share)),
    });
    const baseUrl =
      settings.baseUrl ??
      zendeskBaseUrl(this.#options.baseUrlTemplate ?? 'https://{subdomain}.zendesk.com', settings.subdomain);
    const credentials = settings.credentials;
    const onBudgetWait = this.#options.onBudgetWait;
    const requestBudget = onBudgetWait ? timedBudget(budget, (ms) => onBudgetWait(tenantId, ms)) : budget;
    const authorizer: ZendeskAuthorizer =
      credentials.kind === 'oauth'
        ? oauthAuthorizer(baseUrl, credentials, requestBudget, this.#options.dispatcher)
        : apiTokenAuthorizer(credentials.email, credentials.apiToken);
    const client = new ZendeskClient({
      baseUrl,
      authorizer,
      budget: requestBudget,
      ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
      ...this.#options.clientOptions,
    });
    const poll = this.#options.poll;
    const organizations = new OrganizationsTarget(client, poll);
    const users = new UsersTarget(client, poll);
    const customObjects = new Map<string, ZendeskTarget>();
    return {
      tenantId,
      mapping,
      budget,
      client,
      loadedAt: Date.now(),
      target(record: TargetRecord): ZendeskTarget {
        if (record.objectType === 'organization') return organizations;
        if (record.objectType === 'user') return users;
        const key = record.customObjectKey ?? '';
        let target = customObjects.get(key);
        if (target === undefined) {
          target = new CustomObjectRecordsTarget(client, key, poll);
          customObjects.set(key, target);
        }
        return target;
      },
    };
  }
}
