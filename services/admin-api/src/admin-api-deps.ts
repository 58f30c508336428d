import type { CredentialVault } from '@mlc/common/credential-vault';
import type { HttpClient } from '@mlc/common/http-client';
import type { Logger } from '@mlc/common/logger';
import type pg from 'pg';
import type { ControlPublisher } from './replay/control-publisher.ts';

/** What the route plugins are given; each plugin uses only what it needs. */
export interface AdminApiDeps {
  db: pg.Pool;
  vault: CredentialVault;
  logger: Logger;
  /** Undefined without Kafka: replay and DLQ retry answer 503. */
  controlPublisher: ControlPublisher | undefined;
  /** For connection tests against CloudSuite and Zendesk. */
  http: HttpClient;
}
