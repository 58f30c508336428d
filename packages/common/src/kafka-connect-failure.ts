import { MlcError } from './errors.ts';

/**
 * Node's error codes for a broker certificate the client does not trust (unknown or self-signed issuer,
 * expired, not naming the host) and for a TLS handshake that cannot happen (e.g. a TLS client on a plain
 * listener). Waiting cures none of them.
 */
const TLS_FAILURE_CODE = /CERT|^ERR_TLS_|^ERR_SSL_/;
const CERTIFICATE_TRUST_CODE =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED)$/;
// kafkajs wraps what failed (retries exhausted around a connection error around the TLS error).
const MAX_CAUSE_DEPTH = 6;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

function causeChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < MAX_CAUSE_DEPTH) {
    const link = current as ErrorLike;
    chain.push(link);
    current = link.cause ?? link.originalError;
  }
  return chain;
}

/**
 * The catalogued error for a Kafka connect failure that retrying cannot fix: refused SASL credentials
 * (MLC_KAFKA_AUTH_FAILED) or a failed TLS handshake (MLC_KAFKA_TLS_FAILED). Undefined for anything else
 * (a broker not up yet is worth waiting for). Messages name the variables to check, never their values:
 * kafkajs's and the broker's reasons carry no credentials.
 */
export function permanentKafkaFailure(error: unknown, brokers: readonly string[]): MlcError | undefined {
  const chain = causeChain(error);
  const where = `Kafka brokers ${brokers.join(',')}`;
  const refused = chain.find((link) => link.name === 'KafkaJSSASLAuthenticationError');
  if (refused !== undefined) {
    return new MlcError(
      'MLC_KAFKA_AUTH_FAILED',
      `${where} refused the SASL credentials: ${String(refused.message)}. ` +
        'Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM.',
      { field: 'KAFKA_SASL_USERNAME,KAFKA_SASL_PASSWORD,KAFKA_SASL_MECHANISM', cause: error },
    );
  }
  const tls = chain.find((link) => typeof link.code === 'string' && TLS_FAILURE_CODE.test(link.code));
  if (tls !== undefined) {
    const code = String(tls.code);
    const hint = CERTIFICATE_TRUST_CODE.test(code)
      ? "The brokers' certificate is not signed by a CA this service trusts: set KAFKA_SSL_CA_FILE to the PEM " +
        'certificate of the CA that signed it.'
      : 'Check that KAFKA_BROKERS names TLS listeners by the host names their certificates carry.';
    return new MlcError(
      'MLC_KAFKA_TLS_FAILED',
      `TLS with ${where} failed (${code}): ${String(tls.message).replace(/^Connection error: /, '')}. ${hint}`,
      { field: 'KAFKA_SSL_CA_FILE', details: { code, brokers }, cause: error },
    );
  }
  return undefined;
}
