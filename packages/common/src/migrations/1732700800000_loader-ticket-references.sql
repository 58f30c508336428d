-- Up Migration

-- Latest known state of every invoice and purchase order, kept by the loader from the change topics, so that
-- tickets naming one are filled without asking CloudSuite again. `enrichment_pending` marks a state whose
-- tickets are still to be updated: durable, so an enrichment interrupted by a crash or a limit resumes.
CREATE TABLE ticket_reference_records (
  tenant_id text NOT NULL,
  entity text NOT NULL CHECK (entity IN ('invoice', 'purchase-order')),
  natural_key text NOT NULL,
  reference text NOT NULL,
  content_hash text NOT NULL,
  payload jsonb NOT NULL,
  source_modified_at timestamptz,
  event_id text NOT NULL,
  run_id text NOT NULL,
  source_topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL,
  enrichment_pending boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity, natural_key)
);
CREATE INDEX ticket_reference_records_reference_idx ON ticket_reference_records (tenant_id, entity, lower(reference));
CREATE INDEX ticket_reference_records_pending_idx ON ticket_reference_records (tenant_id) WHERE enrichment_pending;

-- Up to when each tenant's recently updated tickets were swept.
CREATE TABLE ticket_sweep_watermarks (
  tenant_id text PRIMARY KEY,
  swept_until timestamptz NOT NULL
);

-- Down Migration

DROP TABLE ticket_sweep_watermarks;
DROP TABLE ticket_reference_records;
