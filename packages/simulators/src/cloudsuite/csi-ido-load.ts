/**
 * LoadCollection (`GET …/IDORequestService/ido/load/{IDO}`), REST v2 shape: `Items` is an array of
 * objects of property values (strings), plus `Bookmark`, `MoreRowsExist`, `Success`, `Message` and
 * `MessageCode`. `recordcap` -1 (default) means 200 rows, 0 means all. Paging is `loadtype=NEXT`
 * with the `Bookmark` of the previous answer, whose `<L>` element holds the last row's key.
 */

import { IDO_COLLECTIONS, type IdoCollection, type IdoRow } from './csi-ido-collections.ts';
import type { DistributorDataset } from './distributor-dataset.ts';
import { compareValues } from './exportmi-query.ts';
import { IllegalFilterError, idoConditionHolds, parseIdoFilter } from './ido-filter.ts';
import { parseCsiDateTime } from './m3-timestamp.ts';

export interface IdoLoadResponse {
  Items: IdoRow[] | null;
  Bookmark: string | null;
  MoreRowsExist: boolean;
  Success: boolean;
  Message: string | null;
  MessageCode: number;
}

export interface IdoLoadQuery {
  properties?: string;
  filter?: string;
  recordcap?: string;
  loadtype?: string;
  bookmark?: string;
  readonly?: string;
}

const DEFAULT_RECORD_CAP = 200;

export function idoFailure(message: string, messageCode = 1): IdoLoadResponse {
  return {
    Items: null,
    Bookmark: null,
    MoreRowsExist: false,
    Success: false,
    Message: message,
    MessageCode: messageCode,
  };
}

const escapeXml = (v: string) => v.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const unescapeXml = (v: string) => v.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

export function formatBookmark(keys: string[], first: string[], last: string[]): string {
  const values = (vs: string[]) => vs.map((v) => `<v>${escapeXml(v)}</v>`).join('');
  return `<B><P>${keys.map((k) => `<p>${k}</p>`).join('')}</P><D>${keys.map(() => '<f>false</f>').join('')}</D><F>${values(first)}</F><L>${values(last)}</L></B>`;
}

/** The last-row key values of a bookmark, or null when it is not one of ours. */
export function parseBookmarkLast(bookmark: string, keyCount: number): string[] | null {
  const last = /<L>(.*?)<\/L>/s.exec(bookmark);
  if (!last) return null;
  const values = [...last[1]!.matchAll(/<v>(.*?)<\/v>/gs)].map((m) => unescapeXml(m[1]!));
  return values.length === keyCount ? values : null;
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

export function loadCollection(dataset: DistributorDataset, idoName: string, query: IdoLoadQuery): IdoLoadResponse {
  const ido: IdoCollection | undefined = IDO_COLLECTIONS[idoName];
  if (!ido) return idoFailure(`IDO ${idoName} does not exist or is not licensed`);

  const requested =
    query.properties === undefined || query.properties.trim() === '' || query.properties.trim() === '*'
      ? ido.properties.filter((p) => p !== '_ItemId')
      : query.properties.split(',').map((p) => p.trim());
  const unknown = requested.find((p) => !ido.properties.includes(p));
  if (unknown) return idoFailure(`Property ${unknown} is not a property of ${ido.name}`);
  const includeItemId = query.readonly?.toLowerCase() !== 'true';
  const returned = includeItemId && !requested.includes('_ItemId') ? [...requested, '_ItemId'] : requested;

  let conditions: ReturnType<typeof parseIdoFilter>;
  try {
    conditions = parseIdoFilter(query.filter ?? '');
  } catch (err) {
    return idoFailure(err instanceof IllegalFilterError ? err.message : 'IllegalFilterException');
  }
  const badProperty = conditions.find((c) => !ido.properties.includes(c.property));
  if (badProperty)
    return idoFailure(`IllegalFilterException: ${badProperty.property} is not a property of ${ido.name}`);

  let cap = DEFAULT_RECORD_CAP;
  if (query.recordcap !== undefined && query.recordcap !== '') {
    const n = Number(query.recordcap);
    if (!Number.isInteger(n) || n < -1) return idoFailure(`Invalid recordcap ${query.recordcap}`);
    cap = n === -1 ? DEFAULT_RECORD_CAP : n === 0 ? Number.POSITIVE_INFINITY : n;
  }

  const loadType = (query.loadtype ?? 'FIRST').toUpperCase();
  if (!['FIRST', 'NEXT'].includes(loadType)) return idoFailure(`Load type ${query.loadtype} is not supported`);
  let after: string[] | null = null;
  if (loadType === 'NEXT') {
    if (!query.bookmark) return idoFailure('A bookmark is required for loadtype NEXT');
    after = parseBookmarkLast(query.bookmark, ido.keyProperties.length);
    if (!after) return idoFailure('The bookmark is not valid for this collection');
  }

  let changedAfterMs = Number.NEGATIVE_INFINITY;
  for (const c of conditions) {
    if (c.property === 'RecordDate' && (c.op === '>' || c.op === '>=')) {
      const ms = parseCsiDateTime(c.value);
      if (ms !== null) changedAfterMs = Math.max(changedAfterMs, c.op === '>' ? ms : ms - 1);
    }
  }
  const fromIndex = after ? dataset.lowerBound(ido.entity, after[0]!) : 0;

  const items: IdoRow[] = [];
  let more = false;
  let first: string[] | null = null;
  let last: string[] | null = null;
  try {
    outer: for (const i of dataset.scan(ido.entity, { changedAfterMs, fromIndex })) {
      for (const row of ido.rows(dataset, i)) {
        const key = ido.keyProperties.map((k) => row[k] ?? '');
        if (after && compareKeys(key, after) <= 0) continue;
        if (!conditions.every((c) => idoConditionHolds(row, c, ido.dateProperties))) continue;
        if (items.length >= cap) {
          more = true;
          break outer;
        }
        const item: IdoRow = {};
        for (const p of returned) item[p] = row[p] ?? '';
        items.push(item);
        first ??= key;
        last = key;
      }
    }
  } catch (err) {
    return idoFailure(err instanceof IllegalFilterError ? err.message : 'IllegalFilterException');
  }

  return {
    Items: items,
    Bookmark: first && last ? formatBookmark(ido.keyProperties, first, last) : null,
    MoreRowsExist: more,
    Success: true,
    Message: null,
    MessageCode: 0,
  };
}
