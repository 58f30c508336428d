/**
 * The bad answers a `malformed` fault gives instead of a good one: what a client must survive from a
 * misbehaving gateway or application server. Most are made from the route's real JSON answer, so one
 * rule fits M3 MI (`results[].records[]`) and CSI IDO (`Items[]`) answers alike:
 * - `truncated-json`: the first half of the answer (a connection cut by a proxy);
 * - `wrong-types`: digit-only values as JSON numbers, empty ones as null, other text wrapped as
 *   `{"#text": …}` (an XML-to-JSON converter in the way), counters and flags as strings;
 * - `missing-keys`: the answer without its rows container (`results` / `Items`, `MoreRowsExist`);
 * - `huge`: the first row's longest value grown to 10 MB (a runaway text field);
 * - `endless`: a body that never ends (a proxy streaming garbage), sent until the client hangs up;
 * - `html`: an HTML error page (with status 200 unless the rule gives one).
 */
import { Readable } from 'node:stream';

export const MALFORMED_BODIES = ['truncated-json', 'html', 'wrong-types', 'missing-keys', 'huge', 'endless'] as const;
export type MalformedBody = (typeof MALFORMED_BODIES)[number];

/** The kinds made from the real answer: the request goes to its route first. */
export type AnswerTransform = Extract<MalformedBody, 'truncated-json' | 'wrong-types' | 'missing-keys' | 'huge'>;

export const HUGE_VALUE_BYTES = 10 * 1024 * 1024;

export function transformsAnswer(kind: MalformedBody): kind is AnswerTransform {
  return kind === 'truncated-json' || kind === 'wrong-types' || kind === 'missing-keys' || kind === 'huge';
}

type Row = Record<string, unknown>;
type Answer = Record<string, unknown>;

/** The answer's rows, M3 (`results[].records[]`) or CSI (`Items[]`). */
function rowsOf(answer: Answer): Row[] {
  const rows: unknown[] = [];
  if (Array.isArray(answer.results)) {
    for (const result of answer.results as { records?: unknown }[]) {
      if (Array.isArray(result?.records)) rows.push(...result.records);
    }
  }
  if (Array.isArray(answer.Items)) rows.push(...answer.Items);
  return rows.filter((row): row is Row => typeof row === 'object' && row !== null);
}

function wrongType(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === '') return null;
  return { '#text': value };
}

function withWrongTypes(answer: Answer): Answer {
  for (const row of rowsOf(answer)) {
    for (const [key, value] of Object.entries(row)) row[key] = wrongType(value);
  }
  const counters = ['nrOfSuccessfullTransactions', 'nrOfFailedTransactions', 'wasTerminated', 'MessageCode', 'Success'];
  for (const key of [...counters, 'MoreRowsExist']) {
    if (key in answer) answer[key] = String(answer[key]);
  }
  return answer;
}

function withoutRows(answer: Answer): Answer {
  const { results: _results, Items: _items, MoreRowsExist: _more, ...rest } = answer;
  return rest;
}

function withHugeValue(answer: Answer): Answer {
  const huge = 'x'.repeat(HUGE_VALUE_BYTES);
  const first = rowsOf(answer)[0];
  if (first === undefined) return { ...answer, padding: huge };
  const longest = Object.entries(first)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort((a, b) => b[1].length - a[1].length)[0];
  first[longest?.[0] ?? 'padding'] = huge;
  return answer;
}

/** The malformed body made from the route's serialized answer; a body that is not JSON is cut in half. */
export function transformAnswer(kind: AnswerTransform, payload: string): string {
  if (kind === 'truncated-json') return payload.slice(0, Math.ceil(payload.length / 2));
  let answer: Answer;
  try {
    answer = JSON.parse(payload) as Answer;
  } catch {
    return payload.slice(0, Math.ceil(payload.length / 2));
  }
  if (kind === 'wrong-types') return JSON.stringify(withWrongTypes(answer));
  if (kind === 'missing-keys') return JSON.stringify(withoutRows(answer));
  return JSON.stringify(withHugeValue(answer));
}

/**
 * A JSON-looking body without end, produced as the client reads it (so an abandoned request costs
 * nothing): an M3 or CSI rows array that never closes.
 */
export function endlessAnswer(product: 'M3' | 'CSI'): Readable {
  const opening = product === 'CSI' ? '{"Items":[' : '{"results":[{"transaction":"Endless","records":[';
  const row = product === 'CSI' ? '{"VendNum":"V0000001","Name":"endless"},' : '{"SUNO":"S0000001","SUNM":"endless"},';
  const chunk = Buffer.from(row.repeat(Math.ceil((64 * 1024) / row.length)));
  let opened = false;
  return new Readable({
    read() {
      if (!opened) {
        opened = true;
        this.push(opening);
      }
      this.push(chunk);
    },
  });
}
