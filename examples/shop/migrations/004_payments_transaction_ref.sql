-- migrate:up
-- The payment provider's reference, which the nightly financial audit job reads.
-- Applied on staging; never applied on production (the incident).
ALTER TABLE billing.payments ADD COLUMN transaction_ref text;

CREATE UNIQUE INDEX payments_transaction_ref_key ON billing.payments (transaction_ref);
