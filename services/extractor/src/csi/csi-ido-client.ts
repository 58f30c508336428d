import { MlcError } from '@mlc/common/errors';

/** One row of an IDO collection: property name → value, every value a string. */
export type IdoItem = Record<string, string>;

/** The REST answer of `IDORequestService/ido/load/{IDO}`. */
export interface IdoLoadResponse {
  Items?: IdoItem[] | null;
  Bookmark?: string | null;
  MoreRowsExist?: boolean | string;
  Success?: boolean | string;
  Message?: string | null;
  MessageCode?: number | string;
}

export interface IdoLoadRequest {
  properties: readonly string[];
  filter?: string;
  /** Rows per call; never 0 (0 means all rows). */
  recordcap: number;
  /** The previous answer's Bookmark: the next page (`loadtype=NEXT`). */
  bookmark?: string;
}

export interface IdoLoadPage {
  items: IdoItem[];
  /** Present when more rows exist. */
  bookmark?: string;
}

/** The one ION call the CSI adapter needs, with headers (the Mongoose configuration). */
export interface IonGetJsonWithHeaders {
  getJson(path: string, query: Record<string, string>, headers?: Record<string, string>): Promise<unknown>;
}

export interface CsiIdoClient {
  load(ido: string, request: IdoLoadRequest): Promise<IdoLoadPage>;
}

function truthy(value: boolean | string | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

/**
 * IDO loads through ION (`CSI/IDORequestService/ido/load/{IDO}`), naming the tenant's Mongoose
 * configuration in `X-Infor-MongooseConfig`. A body with `Success: false` or a non-zero MessageCode is an
 * MLC_CSI_ERROR carrying the IDO's own message.
 */
export function createCsiIdoClient(ion: IonGetJsonWithHeaders, mongooseConfig: string): CsiIdoClient {
  return {
    async load(ido, request) {
      const query: Record<string, string> = {
        properties: request.properties.join(','),
        recordcap: String(request.recordcap),
        readonly: 'true',
      };
      if (request.filter !== undefined && request.filter !== '') query.filter = request.filter;
      if (request.bookmark !== undefined) {
        query.loadtype = 'NEXT';
        query.bookmark = request.bookmark;
      }
      const body = await ion.getJson(`CSI/IDORequestService/ido/load/${ido}`, query, {
        'X-Infor-MongooseConfig': mongooseConfig,
      });
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new MlcError('MLC_CSI_ERROR', `${ido}: the IDO response is not a JSON object`);
      }
      const response = body as IdoLoadResponse;
      const code = Number(response.MessageCode ?? 0);
      if (response.Success === false || String(response.Success).toLowerCase() === 'false' || code !== 0) {
        throw new MlcError(
          'MLC_CSI_ERROR',
          `${ido}: ${response.Message?.trim() || 'the load failed without a message'}`,
          {
            details: { messageCode: response.MessageCode },
          },
        );
      }
      const items = Array.isArray(response.Items)
        ? response.Items.filter((i): i is IdoItem => typeof i === 'object' && i !== null)
        : [];
      const more = truthy(response.MoreRowsExist) && typeof response.Bookmark === 'string' && response.Bookmark !== '';
      return { items, ...(more ? { bookmark: response.Bookmark as string } : {}) };
    },
  };
}
