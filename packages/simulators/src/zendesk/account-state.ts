import { IndexedRecordMap } from './indexed-record-map.ts';

// In-memory state of one simulated Zendesk account: its configuration, its records and its counters.

export type ZendeskPlan = 'team' | 'growth' | 'professional' | 'enterprise' | 'enterprise_plus';

export const PLAN_REQUESTS_PER_MINUTE: Record<ZendeskPlan, number> = {
  team: 200,
  growth: 400,
  professional: 400,
  enterprise: 700,
  enterprise_plus: 2500,
};

export interface OAuthClientCredentials {
  identifier: string;
  secret: string;
}

export interface EndpointLimits {
  /** PUT /tickets/{id}: requests per minute per account (docs: 100). */
  ticketUpdatesPerMinute: number | null;
  /** PUT /tickets/{id}: updates per ticket per 10 minutes (docs: 30). */
  ticketUpdatesPerTicketPer10Min: number | null;
  /** Window of the per-account ticket update limit: 60 s like the real API, shorter in tests. */
  ticketUpdateWindowMs: number;
  /** Window of the per-ticket update limit: 10 minutes like the real API, shorter in tests. */
  ticketUpdatePerTicketWindowMs: number;
  /** Single user update (PUT /users/{id}, create_or_update that updates): per user per minute (docs: 5). */
  userUpdatesPerMinute: number | null;
  /** Single organization update (PUT /organizations/{id}, create_or_update that updates): per organization per minute (docs: 5). */
  organizationUpdatesPerMinute: number | null;
  /** Jobs queued or working at the same time (docs: 30). */
  maxConcurrentJobs: number | null;
}

export interface AddAccountOptions {
  subdomain: string;
  plan?: ZendeskPlan;
  /** Overrides the plan's requests per minute. */
  rpm?: number;
  /** Length of the rate-limit window; 60 s like the real API, shorter in tests. */
  rateLimitWindowMs?: number;
  oauthClients?: OAuthClientCredentials[];
  /** Legacy API tokens, used as `{agentEmail}/token:{token}`. */
  apiTokens?: string[];
  agentEmail?: string;
  /** Access-token lifetime (may be fractional in tests); real default 30 min. */
  tokenExpiresInSec?: number;
  refreshTokenExpiresInSec?: number;
  bulkUserImportEnabled?: boolean;
  /** Delay before a write is visible to /search (eventual consistency). */
  searchIndexDelayMs?: number;
  /** Time a job stays queued, then working, before it completes. */
  jobQueuedMs?: number;
  jobWorkingMs?: number;
  /** How long a finished job status can be read (real: about an hour). */
  jobRetentionMs?: number;
  endpointLimits?: Partial<EndpointLimits>;
}

export interface CustomFieldOption {
  id: number;
  name: string;
  value: string;
}

export type FieldOwner = 'ticket' | 'user' | 'organization' | 'custom_object';

export interface FieldDefinition {
  id: number;
  key: string | null;
  type: string;
  title: string;
  description: string;
  active: boolean;
  position: number;
  required: boolean;
  regexp_for_validation: string | null;
  custom_field_options?: CustomFieldOption[];
  relationship_target_type?: string;
  system?: boolean;
  created_at: string;
  updated_at: string;
}

export interface UserRecord {
  id: number;
  name: string;
  email: string | null;
  external_id: string | null;
  organization_id: number | null;
  role: string;
  phone: string | null;
  notes: string;
  details: string;
  tags: string[];
  user_fields: Record<string, unknown>;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface OrganizationRecord {
  id: number;
  name: string;
  external_id: string | null;
  details: string;
  notes: string;
  domain_names: string[];
  tags: string[];
  group_id: number | null;
  shared_tickets: boolean;
  shared_comments: boolean;
  organization_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface TicketCustomFieldValue {
  id: number;
  value: unknown;
}

export interface TicketRecord {
  id: number;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  type: string | null;
  requester_id: number;
  organization_id: number | null;
  external_id: string | null;
  tags: string[];
  custom_fields: TicketCustomFieldValue[];
  created_at: string;
  updated_at: string;
}

export interface CustomObjectDefinition {
  key: string;
  title: string;
  title_pluralized: string;
  description: string;
  include_in_list_view: boolean;
  allows_photos: boolean;
  autoincrementName: boolean;
  fields: FieldDefinition[];
  records: CustomObjectRecordMap;
  created_at: string;
  updated_at: string;
}

export interface CustomObjectRecordData {
  id: string;
  name: string;
  external_id: string | null;
  custom_object_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export type JobState = 'queued' | 'working' | 'completed' | 'failed';

export interface JobResult {
  index: number;
  success: boolean;
  [key: string]: unknown;
}

export interface JobRecord {
  id: string;
  job_type: string;
  status: JobState;
  total: number;
  progress: number | null;
  message: string | null;
  results: JobResult[] | null;
  url: string;
  finishedAt: number | null;
}

export interface SearchIndexEntry {
  visibleAt: number;
  ticket: TicketRecord | null;
}

// Users, organizations and records indexed by the attributes the API looks them up by, so bulk
// writes stay linear in the batch rather than in the account's size.
export type UserMap = IndexedRecordMap<number, UserRecord, 'external_id' | 'email' | 'name'>;
export type OrganizationMap = IndexedRecordMap<number, OrganizationRecord, 'external_id' | 'name'>;
export type CustomObjectRecordMap = IndexedRecordMap<string, CustomObjectRecordData, 'external_id'>;

export function createUserMap(): UserMap {
  return new IndexedRecordMap({
    external_id: (user: UserRecord) => user.external_id,
    email: (user: UserRecord) => user.email,
    name: (user: UserRecord) => user.name,
  });
}

export function createOrganizationMap(): OrganizationMap {
  return new IndexedRecordMap({
    external_id: (organization: OrganizationRecord) => organization.external_id,
    name: (organization: OrganizationRecord) => organization.name,
  });
}

export function createCustomObjectRecordMap(): CustomObjectRecordMap {
  return new IndexedRecordMap({ external_id: (record: CustomObjectRecordData) => record.external_id });
}

export interface AccountState {
  readonly subdomain: string;
  readonly requestsPerMinute: number;
  readonly rateLimitWindowMs: number;
  readonly oauthClients: OAuthClientCredentials[];
  readonly apiTokens: string[];
  readonly agentEmail: string;
  readonly tokenExpiresInSec: number;
  readonly refreshTokenExpiresInSec: number;
  bulkUserImportEnabled: boolean;
  searchIndexDelayMs: number;
  jobQueuedMs: number;
  jobWorkingMs: number;
  jobRetentionMs: number;
  readonly endpointLimits: EndpointLimits;
  readonly users: UserMap;
  readonly organizations: OrganizationMap;
  readonly tickets: Map<number, TicketRecord>;
  readonly ticketFields: FieldDefinition[];
  readonly userFields: FieldDefinition[];
  readonly organizationFields: FieldDefinition[];
  readonly customObjects: Map<string, CustomObjectDefinition>;
  readonly jobs: Map<string, JobRecord>;
  /** Per ticket, the versions the search index will show from a given time on. */
  readonly searchIndex: Map<number, SearchIndexEntry[]>;
  /** Write requests per route (`METHOD /api/v2/...` pattern). */
  readonly writeCounts: Map<string, number>;
  readonly agentUserId: number;
  nextId(): number;
  nextRecordId(): string;
}

const DEFAULT_ENDPOINT_LIMITS: EndpointLimits = {
  ticketUpdatesPerMinute: 100,
  ticketUpdatesPerTicketPer10Min: 30,
  ticketUpdateWindowMs: 60_000,
  ticketUpdatePerTicketWindowMs: 600_000,
  userUpdatesPerMinute: 5,
  organizationUpdatesPerMinute: 5,
  maxConcurrentJobs: 30,
};

const SUBDOMAIN_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidSubdomain(subdomain: string): boolean {
  return SUBDOMAIN_PATTERN.test(subdomain);
}

/** Zendesk timestamps have second precision and no fraction. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function createAccountState(options: AddAccountOptions, now: number): AccountState {
  if (!isValidSubdomain(options.subdomain)) {
    throw new Error(`invalid subdomain "${options.subdomain}": lowercase letters, digits and dashes only`);
  }
  let idCounter = 360_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
  let recordCounter = 0;
  const recordPrefix = `01J${now.toString(36).toUpperCase().padStart(9, '0')}`;
  const agentEmail = options.agentEmail ?? `admin@${options.subdomain}.example.com`;
  const users = createUserMap();
  const agentUserId = ++idCounter;
  const stamp = isoSeconds(now);
  users.set(agentUserId, {
    id: agentUserId,
    name: 'Simulator Admin',
    email: agentEmail,
    external_id: null,
    organization_id: null,
    role: 'admin',
    phone: null,
    notes: '',
    details: '',
    tags: [],
    user_fields: {},
    active: true,
    created_at: stamp,
    updated_at: stamp,
  });
  return {
    subdomain: options.subdomain,
    requestsPerMinute: options.rpm ?? PLAN_REQUESTS_PER_MINUTE[options.plan ?? 'enterprise'],
    rateLimitWindowMs: options.rateLimitWindowMs ?? 60_000,
    oauthClients: options.oauthClients ?? [],
    apiTokens: options.apiTokens ?? [],
    agentEmail,
    tokenExpiresInSec: options.tokenExpiresInSec ?? 1800,
    refreshTokenExpiresInSec: options.refreshTokenExpiresInSec ?? 2_592_000,
    bulkUserImportEnabled: options.bulkUserImportEnabled ?? true,
    searchIndexDelayMs: options.searchIndexDelayMs ?? 0,
    jobQueuedMs: options.jobQueuedMs ?? 20,
    jobWorkingMs: options.jobWorkingMs ?? 20,
    jobRetentionMs: options.jobRetentionMs ?? 3_600_000,
    endpointLimits: { ...DEFAULT_ENDPOINT_LIMITS, ...options.endpointLimits },
    users,
    organizations: createOrganizationMap(),
    tickets: new Map(),
    ticketFields: [],
    userFields: [],
    organizationFields: [],
    customObjects: new Map(),
    jobs: new Map(),
    searchIndex: new Map(),
    writeCounts: new Map(),
    agentUserId,
    nextId: () => ++idCounter,
    nextRecordId: () => `${recordPrefix}${(++recordCounter).toString(36).toUpperCase().padStart(8, '0')}`,
  };
}

/** External ids match case-insensitively in the real API. */
export function sameExternalId(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && a.toLowerCase() === b.toLowerCase();
}
