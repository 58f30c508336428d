-- Up Migration

-- Zendesk matches users by external_id OR email: two records sharing an email (two ERP customers with one
-- accounts-payable mailbox, a customer who is also a supplier's contact) would update one Zendesk user and
-- take turns owning it. The loader asks which record's applied user holds an email before it writes one.
CREATE INDEX posting_state_user_email_idx ON posting_state (tenant_id, lower(applied_body ->> 'email'))
  WHERE zendesk_target LIKE 'user%' AND applied_body ? 'email';

-- Down Migration

DROP INDEX posting_state_user_email_idx;
