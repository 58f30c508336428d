-- Up Migration

-- A per-tenant Zendesk base URL override (simulators, sandboxes, proxies); null means https://{subdomain}.zendesk.com.
ALTER TABLE tenants ADD COLUMN zendesk_base_url text;

-- Down Migration

ALTER TABLE tenants DROP COLUMN zendesk_base_url;
