import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer tokens are 256 random bits. SHA-256 is enough to store them: a slow password hash (bcrypt, scrypt)
 * exists to make guessing low-entropy human passwords expensive, and nobody can guess 2^256 values at any
 * speed; a fast, unsalted digest also lets each request find its token by an indexed equality lookup.
 * The bootstrap token from the environment is an operator-chosen value of at least 32 characters (config
 * enforces the length), which is why it should be generated rather than typed.
 */
export const TOKEN_PREFIX = 'mlc_';

export function generateAdminToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
