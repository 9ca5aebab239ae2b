-- Staging: all four migrations, then two changes nobody committed.

-- A local migration that was never committed.
ALTER TABLE public.users ADD COLUMN last_login timestamp without time zone;

-- Created by hand to make a slow test pass.
CREATE INDEX idx_user_orders ON public.orders (user_id, status);
