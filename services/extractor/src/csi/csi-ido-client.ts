import { MlcError } from '@mlc/common/errors';
import { textRow } from '../source-row-values.ts';

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
        throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${ido}: the IDO response is not a JSON object`);
      }
      const response = body as IdoLoadResponse;
      const code = Number(response.MessageCode ?? 0);
      if (response.Success === false || String(response.Success).toLowerCase() === 'false' || code !== 0) {
        const message = typeof response.Message === 'string' ? response.Message.trim() : '';
        throw new MlcError('MLC_CSI_ERROR', `${ido}: ${message || 'the load failed without a message'}`, {
          details: { messageCode: response.MessageCode },
        });
      }
      // No rows is `Items: []` (or null); an answer without the key is not a load result at all.
      if (!('Items' in response))
        throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${ido}: the IDO response has no Items`);
      const listed: unknown = response.Items ?? [];
      if (!Array.isArray(listed)) throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${ido}: Items is not a list`);
      const items: IdoItem[] = listed.map((item, i) => {
        // An item skipped here would be lost for good: the watermark moves past it with the rest of the page.
        const read = textRow(item);
        if ('row' in read) return read.row;
        throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `${ido}: Items[${i}]: ${read.problem}`, {
          ...(read.field === undefined ? {} : { field: read.field }),
        });
      });
      const more = truthy(response.MoreRowsExist) && typeof response.Bookmark === 'string' && response.Bookmark !== '';
      return { items, ...(more ? { bookmark: response.Bookmark as string } : {}) };
    },
  };
}
