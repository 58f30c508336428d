-- Up Migration

-- An on-demand request the extractor claimed but did not run (tenant paused or deleted meanwhile) says why,
-- so whoever waits for its run id stops waiting. run_id is set when the run starts, not when it ends.
ALTER TABLE run_requests ADD COLUMN skipped_reason text;

-- Down Migration

ALTER TABLE run_requests DROP COLUMN skipped_reason;
