import type { HttpClient, HttpResponse } from '@mlc/common/http-client';
import { type IonApiFile, ionApiBaseUrl, ionRevokeUrl, ionTokenUrl } from '@mlc/common/ionapi-file';
import type { TenantErpConfig, TenantProduct } from '@mlc/common/tenant-repository';
import { accessTokenOf, type ProbeResult, probeRequest, probeResult } from './probe-result.ts';

function tokenProblem(response: HttpResponse): string | undefined {
  if (response.status !== 200) return `token endpoint answered ${response.status}`;
  const token = (response.body as { access_token?: unknown } | undefined)?.access_token;
  return typeof token === 'string' && token !== '' ? undefined : 'token endpoint answered without access_token';
}

/** MI errors arrive with HTTP 200: success is nrOfFailedTransactions 0 (a number or, at times, a string). */
function miProblem(response: HttpResponse): string | undefined {
  if (response.status !== 200) return `M3 answered ${response.status}`;
  const body = response.body as
    | { nrOfFailedTransactions?: unknown; results?: { errorMessage?: unknown }[] }
    | undefined;
  if (body === undefined || typeof body !== 'object') return 'M3 answered without a JSON body';
  const failed = Number(body.nrOfFailedTransactions ?? 0);
  const message = body.results?.find((result) => result.errorMessage !== undefined)?.errorMessage;
  return failed > 0 || message !== undefined ? 'M3 MI transaction failed' : undefined;
}

function idoProblem(response: HttpResponse): string | undefined {
  if (response.status !== 200) return `CSI answered ${response.status}`;
  const body = response.body as { Success?: unknown; MessageCode?: unknown } | undefined;
  if (body === undefined || typeof body !== 'object') return 'CSI answered without a JSON body';
  return body.Success === false ? 'CSI IDO request failed' : undefined;
}

/**
 * Gets an ION token (password grant with the service account, DESIGN.md §3) and makes one cheap call:
 * M3 `MRS001MI/LstTransactions` for CRS620MI (maxrecs=1), or CSI `ido/load/SLVendors` (recordcap=1). The
 * token is revoked afterwards when the file has a revoke path, so a test leaves nothing behind.
 */
export async function probeCloudSuite(
  http: HttpClient,
  file: IonApiFile,
  product: TenantProduct,
  erpConfig: TenantErpConfig,
): Promise<ProbeResult> {
  const secrets = [file.cs, file.saak, file.sask];
  const token = await probeRequest(
    http,
    'token',
    {
      method: 'POST',
      url: ionTokenUrl(file),
      form: {
        grant_type: 'password',
        username: file.saak,
        password: file.sask,
        client_id: file.ci,
        client_secret: file.cs,
      },
    },
    secrets,
    tokenProblem,
  );
  if (!token.step.ok) return probeResult([token.step]);
  const accessToken = accessTokenOf(token.response);
  const callSecrets = [...secrets, accessToken];
  const base = ionApiBaseUrl(file);
  const call =
    product === 'm3'
      ? await probeRequest(
          http,
          'call',
          {
            url: `${base}/M3/m3api-rest/v2/execute/MRS001MI/LstTransactions`,
            query: { MINM: 'CRS620MI', maxrecs: 1 },
            headers: { authorization: `Bearer ${accessToken}` },
          },
          callSecrets,
          miProblem,
        )
      : await probeRequest(
          http,
          'call',
          {
            url: `${base}/CSI/IDORequestService/ido/load/SLVendors`,
            query: { properties: 'VendNum', recordcap: 1 },
            headers: {
              authorization: `Bearer ${accessToken}`,
              'x-infor-mongooseconfig': String(erpConfig.mongooseConfig ?? ''),
            },
          },
          callSecrets,
          idoProblem,
        );
  const revokeUrl = ionRevokeUrl(file);
  if (revokeUrl !== undefined) {
    await http
      .requestJson({
        method: 'POST',
        url: revokeUrl,
        form: { token: accessToken, token_type_hint: 'access_token', client_id: file.ci, client_secret: file.cs },
        timeoutMs: 5000,
      })
      .catch(() => undefined);
  }
  return probeResult([token.step, call.step], { ionTenant: file.ti, product, clientId: file.ci });
}
