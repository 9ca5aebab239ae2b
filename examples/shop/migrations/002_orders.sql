-- migrate:up
-- Orders: deleting a user deletes their orders.
CREATE TABLE public.orders (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL,
  status     varchar(50) NOT NULL DEFAULT 'pending',
  total      numeric(12,2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE
);

CREATE INDEX orders_user_id_idx ON public.orders (user_id);
