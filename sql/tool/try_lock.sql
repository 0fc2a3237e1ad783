-- The install lock: one per database and schema. Transaction-scoped, so a killed run (its
-- backend gone) cannot leave it behind; taken with try_ and polled, so a waiting run never
-- sits in the lock queue where it could deadlock with other DDL.
SELECT pg_catalog.pg_try_advisory_xact_lock(
    pg_catalog.hashtext('connect-pg-admin'),
    pg_catalog.hashtext(:'schema'))
