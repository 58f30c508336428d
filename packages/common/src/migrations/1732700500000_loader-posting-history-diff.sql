-- Up Migration

-- The loader keeps, per posting, the field-level diff against the previously applied content and the body
-- it applied (what the next posting is diffed against, also after a restart). Run ids come from the change
-- events as text: a replay or a hand-made event need not carry a UUID.
ALTER TABLE posting_history
  ADD COLUMN diff jsonb,
  ADD COLUMN body jsonb,
  ALTER COLUMN run_id TYPE text USING run_id::text;

-- The idempotency lookup: the latest applied posting per record and Zendesk target.
CREATE INDEX posting_history_applied_idx
  ON posting_history (tenant_id, entity, natural_key, zendesk_target, id DESC)
  WHERE status = 'applied';

-- Down Migration

DROP INDEX posting_history_applied_idx;
ALTER TABLE posting_history
  ALTER COLUMN run_id TYPE uuid USING (CASE WHEN run_id ~* '^[0-9a-f-]{36}$' THEN run_id::uuid END),
  DROP COLUMN body,
  DROP COLUMN diff;
