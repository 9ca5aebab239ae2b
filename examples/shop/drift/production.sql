-- Production: migrations 001-003 only (004 was never applied), then two changes made by hand.

-- Two divergent changes to orders.status were accepted; production kept this one.
ALTER TABLE public.orders
  ALTER COLUMN status TYPE varchar(20),
  ALTER COLUMN status DROP DEFAULT;

-- The foreign key was recreated under the same name, with another delete action.
ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey;
ALTER TABLE public.orders
  ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE RESTRICT;
