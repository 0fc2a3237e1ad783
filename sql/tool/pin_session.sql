-- The tool's own session, pinned right after connecting and before anything else runs
-- (docs/security.md, "Running as superuser in a hostile database"). Database and role
-- settings (ALTER DATABASE/ROLE ... SET) and PGOPTIONS are applied at connection start; these
-- override them for this session, so nothing another role configured decides which code the
-- tool runs, how values print, or when its statements are cut off.
SET search_path = pg_catalog, pg_temp;
SET IntervalStyle = postgres;
SET DateStyle = 'ISO, MDY';
SET TimeZone = 'UTC';
SET statement_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET lock_timeout = '5s';
SET default_transaction_isolation = 'read committed';
SET default_transaction_deferrable = off;
SET check_function_bodies = on;
SET row_security = off;
SET standard_conforming_strings = on;
SET client_min_messages = warning;
SET transform_null_equals = off;
SET quote_all_identifiers = off;
SET extra_float_digits = 1;
SET bytea_output = hex;
SET xmloption = content;
SET array_nulls = on;
-- Superuser-only (or granted SET, PostgreSQL 15+): a role that may not change it keeps what it
-- inherited, and session.rs refuses to go on unless that is origin.
DO $pin$
BEGIN
    PERFORM pg_catalog.set_config('session_replication_role', 'origin', false);
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$pin$;
-- Then what every command must know before its first statement of substance: whether the
-- server is a hot standby or the session read-only (commands that write refuse at once, verify
-- and status adapt), and whether the connected role is a superuser, read from pg_roles itself
-- (no extension involved).
SELECT pg_catalog.current_setting('session_replication_role') AS session_replication_role,
       pg_catalog.current_setting('search_path') AS search_path,
       session_user::text AS login,
       pg_catalog.pg_is_in_recovery()::text AS in_recovery,
       pg_catalog.current_setting('transaction_read_only') AS transaction_read_only,
       COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r
                  WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false)::text AS superuser,
       current_user::text AS current_user
