import { type HttpClient, type HttpRequest, type HttpResponse, safeUrl } from '@mlc/common/http-client';
import { redactedSnippet, redactText } from '@mlc/common/redact';

/** One upstream call of a connection test: where it went (no query string), what came back, how long it took. */
export interface ProbeStep {
  step: 'token' | 'call';
  url: string;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** The upstream error verbatim, with every secret masked. */
  error?: string;
}

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  steps: ProbeStep[];
  /** Non-secret facts learned on success (ION tenant, Zendesk user id and role…). */
  facts?: Record<string, unknown>;
  error?: string;
}

export const PROBE_TIMEOUT_MS = 15_000;

/** Runs one request; a transport failure (refused, timeout) becomes a failed step instead of an exception. */
export async function probeRequest(
  http: HttpClient,
  step: ProbeStep['step'],
  request: HttpRequest,
  secrets: readonly string[],
  accept: (response: HttpResponse) => string | undefined,
): Promise<{ step: ProbeStep; response: HttpResponse | undefined }> {
  const started = performance.now();
  const url = safeUrl(request.url);
  try {
    const response = await http.requestJson({ timeoutMs: PROBE_TIMEOUT_MS, ...request });
    const latencyMs = Math.round(performance.now() - started);
    const problem = accept(response);
    if (problem === undefined) return { step: { step, url, ok: true, status: response.status, latencyMs }, response };
    const error = `${problem}: ${redactedSnippet(response.body ?? response.bodyText, secrets, 1000)}`;
    return { step: { step, url, ok: false, status: response.status, latencyMs, error }, response };
  } catch (failure) {
    const latencyMs = Math.round(performance.now() - started);
    const message =
      failure instanceof Error
        ? `${(failure as { code?: string }).code ?? failure.name}: ${failure.message}`
        : String(failure);
    return {
      step: { step, url, ok: false, status: null, latencyMs, error: redactText(message, secrets) },
      response: undefined,
    };
  }
}

export function probeResult(steps: ProbeStep[], facts?: Record<string, unknown>): ProbeResult {
  const failed = steps.find((step) => !step.ok);
  return {
    ok: failed === undefined,
    latencyMs: steps.reduce((sum, step) => sum + step.latencyMs, 0),
    steps,
    ...(facts === undefined || failed !== undefined ? {} : { facts }),
    ...(failed?.error === undefined ? {} : { error: `${failed.step} step failed: ${failed.error}` }),
  };
}

export function failedProbe(error: string): ProbeResult {
  return { ok: false, latencyMs: 0, steps: [], error };
}

/** The access_token of a token response that `probeRequest` accepted. */
export function accessTokenOf(response: HttpResponse | undefined): string {
  const token = (response?.body as { access_token?: unknown } | undefined)?.access_token;
  return typeof token === 'string' ? token : '';
}
