/**
 * What a `malformed-body` fault does to the answer a route produced, so a client can be tested against
 * answers it cannot read (a proxy in the way, a Zendesk incident):
 * - `truncated` (the default): the first half of the body;
 * - `html`: an HTML error page instead of JSON, with the route's status;
 * - `wrong-types`: every text value wrapped as `{"#text": …}`, numbers and booleans as text;
 * - `missing-keys`: the answer without its first key (`job_status`, `organizations`, `user`…);
 * - `huge`: the answer with 10 MB of padding (still valid JSON);
 * - `endless`: a JSON-looking body that never ends, sent until the client hangs up.
 */
import { Readable } from 'node:stream';

export const MALFORMED_BODIES = ['truncated', 'html', 'wrong-types', 'missing-keys', 'huge', 'endless'] as const;
export type MalformedBody = (typeof MALFORMED_BODIES)[number];

export const HUGE_PADDING_BYTES = 10 * 1024 * 1024;

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Zendesk is temporarily unavailable</title></head><body><h1>Something went wrong</h1></body></html>';

function retyped(value: unknown): unknown {
  if (typeof value === 'string') return { '#text': value };
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(retyped);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, retyped(inner)]));
  }
  return value;
}

function endless(): Readable {
  const chunk = Buffer.from('{"id":1,"status":"completed"},'.repeat(2048));
  let opened = false;
  return new Readable({
    read() {
      if (!opened) {
        opened = true;
        this.push('{"results":[');
      }
      this.push(chunk);
    },
  });
}

/** The body to send instead of `payload` (the route's serialized answer), and its content type if it changes. */
export function malformedBody(kind: MalformedBody, payload: string): { body: string | Readable; contentType?: string } {
  if (kind === 'html') return { body: HTML_PAGE, contentType: 'text/html; charset=utf-8' };
  if (kind === 'endless') return { body: endless() };
  if (kind === 'truncated') return { body: payload.slice(0, Math.ceil(payload.length / 2)) };
  let answer: unknown;
  try {
    answer = JSON.parse(payload);
  } catch {
    return { body: payload.slice(0, Math.ceil(payload.length / 2)) };
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { body: payload };
  if (kind === 'wrong-types') return { body: JSON.stringify(retyped(answer)) };
  if (kind === 'missing-keys') return { body: JSON.stringify(Object.fromEntries(Object.entries(answer).slice(1))) };
  return { body: JSON.stringify({ ...answer, padding: 'x'.repeat(HUGE_PADDING_BYTES) }) };
}
