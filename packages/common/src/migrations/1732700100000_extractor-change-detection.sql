-- Up Migration

-- The content hash last published per record: a poll re-reading its overlap publishes nothing unchanged,
-- and a PO head whose change stamp equals the published one needs no line call.
CREATE TABLE published_records (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entity text NOT NULL,
  natural_key text NOT NULL,
  content_hash text NOT NULL,
  source_version text,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity, natural_key)
);

-- On-demand runs requested by the admin API; every extractor replica polls and claims them.
CREATE TABLE run_requests (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entities text[],
  full_resync boolean NOT NULL DEFAULT false,
  requested_by text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  run_id uuid
);
CREATE INDEX run_requests_pending_idx ON run_requests (requested_at) WHERE claimed_at IS NULL;

-- A run where some entities failed is partial; a run stopped by shutdown is abandoned.
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'abandoned', 'cancelled'));

ALTER TABLE run_entities
  ADD COLUMN status text NOT NULL DEFAULT 'running',
  ADD COLUMN throttled integer NOT NULL DEFAULT 0,
  ADD COLUMN token_calls integer NOT NULL DEFAULT 0,
  ADD COLUMN error text;

-- Down Migration

ALTER TABLE run_entities DROP COLUMN error, DROP COLUMN token_calls, DROP COLUMN throttled, DROP COLUMN status;
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled'));
DROP TABLE run_requests;
DROP TABLE published_records;
