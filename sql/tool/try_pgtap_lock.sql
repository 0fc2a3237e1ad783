-- Taken before loading pgTAP for one transaction. Extension names are unique per database, so
-- a second run loading pgTAP at the same time would wait on the first one's uncommitted
-- pg_extension row until that whole transaction ends, and fail at its lock_timeout with a
-- message about nothing the user did. Polling this transaction-scoped lock instead makes the
-- runs in one database take turns, and a killed run's turn ends with its backend. (A schema
-- name cannot contain a space, so the key cannot be an install lock's.)
SELECT pg_catalog.pg_try_advisory_xact_lock(
    pg_catalog.hashtext('connect-pg-admin'),
    pg_catalog.hashtext('pgtap for one transaction'))
