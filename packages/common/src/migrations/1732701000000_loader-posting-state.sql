-- Up Migration

-- The latest state per record and Zendesk target, kept by the loader in the same statement as each
-- posting_history insert. Reading it is one primary-key lookup per record, however long the history grows
-- (DISTINCT ON over posting_history got slower with every posting). Three "latest" postings per key, each
-- by the highest posting_history id (what the history queries ordered by):
--   latest_*  the latest posting of any status: what the admin API's audit and DLQ views show;
--   applied_* the latest applied posting: what skip-unchanged and diffs compare against (an `unchanged`,
--             failed or dead-lettered posting leaves it as it was);
--   outcome_* the latest posting other than `unchanged`: whether the record's last write was refused.
CREATE TABLE posting_state (
  tenant_id text NOT NULL,
  entity text NOT NULL,
  natural_key text NOT NULL,
  zendesk_target text NOT NULL,
  latest_id bigint NOT NULL,
  latest_status text NOT NULL,
  latest_at timestamptz NOT NULL,
  applied_id bigint,
  applied_hash text,
  applied_zendesk_id text,
  applied_body jsonb,
  applied_at timestamptz,
  outcome_id bigint,
  outcome_status text,
  outcome_error_code text,
  outcome_at timestamptz,
  PRIMARY KEY (tenant_id, entity, natural_key, zendesk_target),
  CHECK ((applied_id IS NULL) = (applied_hash IS NULL)),
  CHECK ((outcome_id IS NULL) = (outcome_status IS NULL))
);
-- The audit view pages through a tenant's records newest posting first; the DLQ view does the same over
-- the few records whose latest posting is a dead letter.
CREATE INDEX posting_state_tenant_latest_idx ON posting_state (tenant_id, latest_id DESC);
CREATE INDEX posting_state_dead_letters_idx ON posting_state (tenant_id, latest_id DESC)
  WHERE latest_status IN ('failed', 'dead_lettered');

INSERT INTO posting_state (tenant_id, entity, natural_key, zendesk_target, latest_id, latest_status, latest_at,
  applied_id, applied_hash, applied_zendesk_id, applied_body, applied_at,
  outcome_id, outcome_status, outcome_error_code, outcome_at)
SELECT k.tenant_id, k.entity, k.natural_key, k.zendesk_target, l.id, l.status, l.created_at,
       a.id, a.content_hash, a.zendesk_id, a.body, a.created_at,
       o.id, o.status, o.error_code, o.created_at
  FROM (SELECT tenant_id, entity, natural_key, zendesk_target,
               max(id) AS latest_id,
               max(id) FILTER (WHERE status = 'applied') AS applied_id,
               max(id) FILTER (WHERE status <> 'unchanged') AS outcome_id
          FROM posting_history
         GROUP BY tenant_id, entity, natural_key, zendesk_target) k
  JOIN posting_history l ON l.id = k.latest_id
  LEFT JOIN posting_history a ON a.id = k.applied_id
  LEFT JOIN posting_history o ON o.id = k.outcome_id;

-- Only the loader's old applied-state lookup used it; every posting paid for its upkeep.
DROP INDEX posting_history_applied_idx;

-- Down Migration

CREATE INDEX posting_history_applied_idx
  ON posting_history (tenant_id, entity, natural_key, zendesk_target, id DESC)
  WHERE status = 'applied';
DROP TABLE posting_state;
