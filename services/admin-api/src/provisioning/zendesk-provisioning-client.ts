import { MlcError } from '@mlc/common/errors';
import type { HttpClient, HttpMethod, HttpResponse } from '@mlc/common/http-client';
import type { ZendeskCredentials } from '@mlc/common/tenant-repository';
import { zendeskApiTokenAuthorization } from '@mlc/common/zendesk-api-token';
import type { PlannedZendeskField, ZendeskFieldKind } from '@mlc/common/zendesk-field-plan';

/** A field definition as Zendesk lists it (ticket, user, organization or custom object field). */
export interface ZendeskFieldDefinition {
  id: number | string;
  key?: string | null;
  title: string;
  type: string;
  relationship_target_type?: string | null;
}

export interface ZendeskCustomObjectDefinition {
  key: string;
  title: string;
}

type FieldCollection = 'ticket_fields' | 'user_fields' | 'organization_fields';

export const FIELD_COLLECTIONS: Record<
  Exclude<ZendeskFieldKind, 'custom_object' | 'custom_object_field'>,
  FieldCollection
> = {
  ticket_field: 'ticket_fields',
  user_field: 'user_fields',
  organization_field: 'organization_fields',
};

/** A field create refused because the key is taken: someone created it meanwhile. */
export class ZendeskDuplicateError extends Error {}

function upstreamError(what: string, response: HttpResponse): MlcError {
  const body = response.body as { error?: unknown; description?: unknown; errors?: { detail?: unknown }[] } | undefined;
  const reason =
    typeof body?.description === 'string'
      ? body.description
      : typeof body?.errors?.[0]?.detail === 'string'
        ? body.errors[0].detail
        : typeof body?.error === 'string'
          ? body.error
          : '';
  return new MlcError(
    'MLC_HTTP_UPSTREAM',
    `Zendesk answered ${response.status} to ${what}${reason ? `: ${reason}` : ''}`,
    {
      details: { status: response.status },
    },
  );
}

function isDuplicate(response: HttpResponse): boolean {
  return response.status === 422 && /already been taken|DuplicateValue/i.test(response.bodyText);
}

/**
 * The few Zendesk calls provisioning makes (list and create field definitions and custom objects), over
 * the shared retrying HTTP client with a token fetched once per provisioning. The loader has a full client;
 * the admin API may not import it, and needs no bulk writes or job polling.
 */
export class ZendeskProvisioningClient {
  readonly #http: HttpClient;
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #secrets: string[];

  private constructor(http: HttpClient, baseUrl: string, authorization: string, secrets: string[]) {
    this.#http = http;
    this.#baseUrl = baseUrl;
    this.#authorization = authorization;
    this.#secrets = secrets;
  }

  /** OAuth client_credentials (read write) or the legacy API token. */
  static async connect(
    http: HttpClient,
    baseUrl: string,
    credentials: ZendeskCredentials,
  ): Promise<ZendeskProvisioningClient> {
    if (credentials.kind === 'api_token') {
      const authorization = zendeskApiTokenAuthorization(credentials.email, credentials.apiToken);
      return new ZendeskProvisioningClient(http, baseUrl, authorization, [credentials.apiToken]);
    }
    const secrets = [credentials.clientSecret];
    const response = await http.requestWithRetry(
      {
        method: 'POST',
        url: `${baseUrl}/oauth/tokens`,
        json: {
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          scope: 'read write',
        },
      },
      { target: 'zendesk', secrets },
    );
    const token = (response.body as { access_token?: unknown } | undefined)?.access_token;
    if (response.status !== 200 || typeof token !== 'string' || token === '') {
      throw new MlcError('MLC_ZENDESK_AUTH_FAILED', `Zendesk token endpoint answered ${response.status}`);
    }
    return new ZendeskProvisioningClient(http, baseUrl, `Bearer ${token}`, [...secrets, token]);
  }

  async #call(method: HttpMethod, path: string, json?: unknown): Promise<HttpResponse> {
    const url = path.startsWith('http') ? path : `${this.#baseUrl}${path}`;
    return this.#http.requestWithRetry(
      { method, url, headers: { authorization: this.#authorization }, ...(json === undefined ? {} : { json }) },
      { target: 'zendesk', secrets: this.#secrets },
    );
  }

  /** Follows `next_page` (offset pagination) and `links.next` (cursor pagination) to the end. */
  async #list<T>(path: string, property: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | null = path;
    while (next !== null) {
      const response = await this.#call('GET', next);
      if (response.status !== 200) throw upstreamError(`GET ${path}`, response);
      const body = response.body as Record<string, unknown>;
      items.push(...((body[property] as T[] | undefined) ?? []));
      const links = body.links as { next?: unknown } | undefined;
      const meta = body.meta as { has_more?: unknown } | undefined;
      next =
        typeof body.next_page === 'string'
          ? body.next_page
          : meta?.has_more === true && typeof links?.next === 'string'
            ? links.next
            : null;
    }
    return items;
  }

  listFields(collection: FieldCollection): Promise<ZendeskFieldDefinition[]> {
    return this.#list(`/api/v2/${collection}`, collection);
  }

  listCustomObjects(): Promise<ZendeskCustomObjectDefinition[]> {
    return this.#list('/api/v2/custom_objects', 'custom_objects');
  }

  listCustomObjectFields(objectKey: string): Promise<ZendeskFieldDefinition[]> {
    return this.#list(`/api/v2/custom_objects/${encodeURIComponent(objectKey)}/fields`, 'custom_object_fields');
  }

  /** Creates one planned item; throws ZendeskDuplicateError when its key was taken meanwhile. */
  async create(item: PlannedZendeskField): Promise<string> {
    let path: string;
    let property: string;
    let body: Record<string, unknown>;
    if (item.kind === 'custom_object') {
      path = '/api/v2/custom_objects';
      property = 'custom_object';
      body = { key: item.key, title: item.title, title_pluralized: `${item.title}s` };
    } else {
      const definition: Record<string, unknown> = { type: item.type, title: item.title };
      // Ticket fields have no key in Zendesk: they are found again by title and remembered by id.
      if (item.kind !== 'ticket_field') definition.key = item.key;
      if (item.relationshipTargetType !== undefined) definition.relationship_target_type = item.relationshipTargetType;
      if (item.kind === 'custom_object_field') {
        path = `/api/v2/custom_objects/${encodeURIComponent(item.customObjectKey ?? '')}/fields`;
        property = 'custom_object_field';
      } else {
        const collection = FIELD_COLLECTIONS[item.kind];
        path = `/api/v2/${collection}`;
        property = collection.slice(0, -1);
      }
      body = definition;
    }
    const response = await this.#call('POST', path, { [property]: body });
    if (isDuplicate(response)) throw new ZendeskDuplicateError(`${item.kind} ${item.key} exists`);
    if (response.status !== 200 && response.status !== 201) throw upstreamError(`POST ${path}`, response);
    const created = (response.body as Record<string, { id?: unknown; key?: unknown }>)[property];
    const id = item.kind === 'custom_object' ? (created?.id ?? created?.key) : created?.id;
    if (id === undefined || id === null) throw upstreamError(`POST ${path} (no id in the answer)`, response);
    return String(id);
  }
}
