import { isMlcError, MlcError } from '@mlc/common/errors';
import { type RateBudget, RateBudgets } from '@mlc/common/rate-budget';
import type { Dispatcher } from 'undici';
import type { TargetRecord } from './mapping/target-record.ts';
import { resolveTenantMapping } from './mapping/tenant-mapping.ts';
import type { TenantDirectory, TenantZendesk } from './posting/posting-batch-processor.ts';
import { CustomObjectRecordsTarget } from './targets/custom-object-records-target.ts';
import { OrganizationsTarget } from './targets/organizations-target.ts';
import { UsersTarget } from './targets/users-target.ts';
import type { ZendeskTarget } from './targets/zendesk-target.ts';
import { BackgroundJobs, type BackgroundJobsOptions } from './zendesk/background-jobs.ts';
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
  /** Job polling and the cap on a tenant's jobs queued at once. */
  jobs: BackgroundJobsOptions;
  dispatcher?: Dispatcher;
  clientOptions?: Pick<ZendeskClientOptions, 'onResponse' | 'onRetry' | 'maxAttempts' | 'backoffBaseMs' | 'timeoutMs'>;
  /** Time a request of `tenantId` waited for its rate budget (metrics). */
  onBudgetWait?: (tenantId: string, waitedMs: number) => void;
  /** How long a tenant's settings are used before they are read again (LOADER_TENANT_REFRESH_MS). */
  refreshMs?: number;
  /** A re-read failed (PostgreSQL unreachable…): the last settings stay in use until the next try. */
  onRefreshError?: (tenantId: string, error: unknown) => void;
}

export interface TenantRuntime extends TenantZendesk {
  budget: RateBudget;
  client: ZendeskClient;
  /** This tenant's background jobs: capped, polled many per request. */
  jobs: BackgroundJobs;
  /** When the settings this runtime reflects were read. */
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
    limits: () => budget.limits(),
  };
}

function budgetLimits(settings: ZendeskTenantSettings): { requestsPerMinute: number } {
  return { requestsPerMinute: Math.max(1, Math.floor(settings.requestsPerMinute * settings.share)) };
}

function sameCredentials(a: ZendeskCredentials, b: ZendeskCredentials): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One tenant as the directory holds it; `runtime` is replaced on each reload, its budget and client kept. */
interface TenantEntry {
  tenantId: string;
  settings: ZendeskTenantSettings;
  baseUrl: string;
  runtime: TenantRuntime;
  /** The current credentials' authorizer (and token cache); the client reaches it through a delegate. */
  authorizer: ZendeskAuthorizer;
  checkedAt: number;
  /** A reload in progress (single flight); resolves to whether the credentials changed. */
  reloading: Promise<boolean> | undefined;
}

/**
 * One runtime per tenant: its own rate budget (plan rpm × share, across every call we make for it), its own
 * OAuth token cache and Zendesk client, its targets. A tenant throttled by Zendesk pauses only its budget.
 *
 * Tenant settings are read again after `refreshMs`, and at once when Zendesk refuses a fresh token (the
 * credentials may have been replaced), so plan, share, mapping and credentials change without a restart.
 * A reload reconfigures the existing budget (its recent grants still count against the new limit) and
 * keeps the client and its token cache unless the credentials or the base URL changed.
 */
export class TenantZendeskDirectory implements TenantDirectory {
  readonly #options: TenantZendeskDirectoryOptions;
  readonly #refreshMs: number;
  readonly #budgets = new RateBudgets();
  readonly #tenants = new Map<string, Promise<TenantEntry>>();

  constructor(options: TenantZendeskDirectoryOptions) {
    this.#options = options;
    this.#refreshMs = options.refreshMs ?? 30_000;
  }

  async get(tenantId: string): Promise<TenantRuntime> {
    let pending = this.#tenants.get(tenantId);
    if (pending === undefined) {
      pending = this.#build(tenantId);
      pending.catch(() => this.#tenants.delete(tenantId));
      this.#tenants.set(tenantId, pending);
    }
    const entry = await pending;
    if (Date.now() - entry.checkedAt >= this.#refreshMs) {
      try {
        await this.#reload(entry);
      } catch (error) {
        if (isMlcError(error, 'MLC_NOT_FOUND')) throw error;
        this.#options.onRefreshError?.(tenantId, error);
      }
    }
    return entry.runtime;
  }

  async #build(tenantId: string): Promise<TenantEntry> {
    const settings = await this.#settings(tenantId);
    const budget = this.#budgets.get(tenantId, budgetLimits(settings));
    const entry = { tenantId, settings, checkedAt: Date.now(), reloading: undefined } as TenantEntry;
    this.#connect(entry, settings, budget);
    return entry;
  }

  async #settings(tenantId: string): Promise<ZendeskTenantSettings> {
    const settings = await this.#options.loadTenant(tenantId);
    if (settings === null) {
      throw new MlcError('MLC_NOT_FOUND', `Tenant ${tenantId} is not registered`, { field: 'tenantId' });
    }
    return settings;
  }

  #reload(entry: TenantEntry): Promise<boolean> {
    entry.reloading ??= this.#apply(entry).finally(() => {
      entry.reloading = undefined;
    });
    return entry.reloading;
  }

  async #apply(entry: TenantEntry): Promise<boolean> {
    let settings: ZendeskTenantSettings;
    try {
      settings = await this.#settings(entry.tenantId);
    } catch (error) {
      if (isMlcError(error, 'MLC_NOT_FOUND')) this.#tenants.delete(entry.tenantId);
      throw error;
    }
    entry.checkedAt = Date.now();
    // Reconfigured in place when the limits differ: in-flight callers keep their place in its queue.
    const budget = this.#budgets.get(entry.tenantId, budgetLimits(settings));
    const credentialsChanged = !sameCredentials(entry.settings.credentials, settings.credentials);
    if (this.#baseUrl(settings) !== entry.baseUrl) {
      this.#connect(entry, settings, budget);
    } else {
      if (credentialsChanged) entry.authorizer = this.#authorizer(entry.baseUrl, settings.credentials, budget, entry);
      entry.runtime = {
        ...entry.runtime,
        mapping: resolveTenantMapping(entry.tenantId, settings.mapping),
        loadedAt: entry.checkedAt,
      };
    }
    entry.settings = settings;
    return credentialsChanged;
  }

  #baseUrl(settings: ZendeskTenantSettings): string {
    return (
      settings.baseUrl ??
      zendeskBaseUrl(this.#options.baseUrlTemplate ?? 'https://{subdomain}.zendesk.com', settings.subdomain)
    );
  }

  #requestBudget(tenantId: string, budget: RateBudget): RequestBudget {
    const onBudgetWait = this.#options.onBudgetWait;
    return onBudgetWait ? timedBudget(budget, (ms) => onBudgetWait(tenantId, ms)) : budget;
  }

  #authorizer(
    baseUrl: string,
    credentials: ZendeskCredentials,
    budget: RateBudget,
    entry: TenantEntry,
  ): ZendeskAuthorizer {
    return credentials.kind === 'oauth'
      ? oauthAuthorizer(baseUrl, credentials, this.#requestBudget(entry.tenantId, budget), this.#options.dispatcher)
      : apiTokenAuthorizer(credentials.email, credentials.apiToken);
  }

  /** A new client, authorizer and targets for `settings` (first load, or the base URL moved). */
  #connect(entry: TenantEntry, settings: ZendeskTenantSettings, budget: RateBudget): void {
    const { tenantId } = entry;
    const baseUrl = this.#baseUrl(settings);
    entry.baseUrl = baseUrl;
    entry.authorizer = this.#authorizer(baseUrl, settings.credentials, budget, entry);
    const authorizer: ZendeskAuthorizer = {
      authorization: () => entry.authorizer.authorization(),
      invalidate: () => entry.authorizer.invalidate(),
      recover: () => this.#reload(entry).catch(() => false),
    };
    const client = new ZendeskClient({
      baseUrl,
      authorizer,
      budget: this.#requestBudget(tenantId, budget),
      ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
      ...this.#options.clientOptions,
    });
    const jobs = new BackgroundJobs(client, this.#options.jobs);
    const organizations = new OrganizationsTarget(client, jobs);
    const users = new UsersTarget(client, jobs);
    const customObjects = new Map<string, ZendeskTarget>();
    entry.runtime = {
      tenantId,
      mapping: resolveTenantMapping(tenantId, settings.mapping),
      budget,
      client,
      jobs,
      loadedAt: entry.checkedAt,
      target(record: TargetRecord): ZendeskTarget {
        if (record.objectType === 'organization') return organizations;
        if (record.objectType === 'user') return users;
        const key = record.customObjectKey ?? '';
        let target = customObjects.get(key);
        if (target === undefined) {
          target = new CustomObjectRecordsTarget(client, key, jobs);
          customObjects.set(key, target);
        }
        return target;
      },
    };
  }
}
