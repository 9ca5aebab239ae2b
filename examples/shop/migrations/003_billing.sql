-- migrate:up
-- Payments live in their own schema, read by the nightly financial audit job.
CREATE SCHEMA billing;

CREATE TABLE billing.payments (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id   bigint NOT NULL REFERENCES public.orders (id),
  amount     numeric(12,2) NOT NULL CONSTRAINT payments_amount_positive CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_order_id_idx ON billing.payments (order_id);
