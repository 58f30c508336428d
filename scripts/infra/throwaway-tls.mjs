import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

// One day is plenty for a test run; nothing made here is ever committed or reused.
const VALID_DAYS = '1';
// EC keys: generated in milliseconds on a busy machine, unlike RSA, and read by both Java and Node.
const KEY_ALGORITHM = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function openssl(args) {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const why = error.code === 'ENOENT' ? 'openssl is not installed' : (error.stderr || error.message).trim();
    throw new Error(`openssl ${args[0]} failed: ${why}`);
  }
}

/** A self-signed certificate authority: `certFile` is what a client trusts, `keyFile` signs server certificates. */
export async function createCertificateAuthority(dir, name) {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  await openssl([
    'req',
    '-x509',
    ...KEY_ALGORITHM,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    VALID_DAYS,
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { name, certFile, keyFile };
}

/**
 * A server certificate for `hosts` (IP addresses and DNS names, all put in subjectAltName since clients
 * check the host they dialled against it), signed by `authority`, packed with its key and the CA chain
 * into a PKCS12 keystore as a Java server reads it. The keystore password is random.
 */
export async function issueServerKeystore(authority, dir, { name, hosts }) {
  const keyFile = join(dir, `${name}.key`);
  const requestFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  const extensionsFile = join(dir, `${name}.ext`);
  const keystoreFile = join(dir, `${name}.p12`);
  const keystorePassword = randomBytes(12).toString('hex');
  const altNames = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  await writeFile(
    extensionsFile,
    `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  await openssl(['req', ...KEY_ALGORITHM, '-keyout', keyFile, '-out', requestFile, '-subj', `/CN=${hosts[0]}`]);
  await openssl([
    'x509',
    '-req',
    '-in',
    requestFile,
    '-CA',
    authority.certFile,
    '-CAkey',
    authority.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    VALID_DAYS,
    '-extfile',
    extensionsFile,
  ]);
  await openssl([
    'pkcs12',
    '-export',
    '-in',
    certFile,
    '-inkey',
    keyFile,
    '-certfile',
    authority.certFile,
    '-name',
    name,
    '-out',
    keystoreFile,
    '-passout',
    `pass:${keystorePassword}`,
  ]);
  return { keystoreFile, keystorePassword, certFile };
}
