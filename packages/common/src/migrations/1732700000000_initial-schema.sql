-- Up Migration

-- Tenants registered through the admin API. Credentials are stored only as AES-256-GCM ciphertext
-- (envelope encryption), each with the id of the master key that wrapped its data key.
CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text NOT NULL,
  product text NOT NULL CHECK (product IN ('m3', 'csi')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  erp_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  ionapi_ciphertext bytea,
  ionapi_key_id text,
  zendesk_subdomain text,
  zendesk_credential_ciphertext bytea,
  zendesk_credential_key_id text,
  ion_rpm integer NOT NULL DEFAULT 100 CHECK (ion_rpm > 0),
  zendesk_rpm integer NOT NULL DEFAULT 200 CHECK (zendesk_rpm > 0),
  zendesk_share numeric(4, 3) NOT NULL DEFAULT 0.5 CHECK (zendesk_share > 0 AND zendesk_share <= 1),
  schedule_cron text,
  schedule_tz text NOT NULL DEFAULT 'UTC',
  mapping jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((ionapi_ciphertext IS NULL) = (ionapi_key_id IS NULL)),
  CHECK ((zendesk_credential_ciphertext IS NULL) = (zendesk_credential_key_id IS NULL))
);

-- Extractor watermarks: advanced only after Kafka acknowledged every event up to them.
CREATE TABLE watermarks (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entity text NOT NULL,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity)
);

CREATE TABLE runs (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'replay')),
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  counts jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX runs_tenant_started_idx ON runs (tenant_id, started_at DESC);

CREATE TABLE run_entities (
  run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  entity text NOT NULL,
  pages integer NOT NULL DEFAULT 0,
  read integer NOT NULL DEFAULT 0,
  published integer NOT NULL DEFAULT 0,
  unchanged integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  api_calls integer NOT NULL DEFAULT 0,
  retries integer NOT NULL DEFAULT 0,
  duration_ms integer NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, entity)
);

-- Append-only history of every posting attempt (the audit topic holds only the latest state per record).
CREATE TABLE posting_history (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  entity text NOT NULL,
  natural_key text NOT NULL,
  zendesk_target text NOT NULL,
  content_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'unchanged', 'failed', 'dead_lettered')),
  attempt integer NOT NULL DEFAULT 1,
  zendesk_id text,
  error text,
  error_code text,
  run_id uuid,
  source_topic text,
  source_partition integer,
  source_offset bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posting_history_record_idx ON posting_history (tenant_id, entity, natural_key, created_at DESC);
CREATE INDEX posting_history_tenant_time_idx ON posting_history (tenant_id, created_at DESC);
CREATE INDEX posting_history_run_idx ON posting_history (run_id) WHERE run_id IS NOT NULL;

-- Bearer tokens of the admin API, stored as hashes only.
CREATE TABLE admin_tokens (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('admin', 'operator')),
  tenant_ids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Append-only record of every state-changing admin API call.
CREATE TABLE admin_audit (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_at_idx ON admin_audit (at DESC);

-- Zendesk field and custom object ids created by provisioning, per tenant.
CREATE TABLE zendesk_fields (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('ticket_field', 'user_field', 'organization_field', 'custom_object', 'custom_object_field')),
  key text NOT NULL,
  zendesk_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, key)
);

-- Down Migration

DROP TABLE zendesk_fields;
DROP TABLE admin_audit;
DROP TABLE admin_tokens;
DROP TABLE posting_history;
DROP TABLE run_entities;
DROP TABLE runs;
DROP TABLE watermarks;
DROP TABLE tenants;
