-- step owner_role: the NOLOGIN role that owns the schema and every object in it, so that the
-- SECURITY DEFINER functions run with no more rights than the session table needs.
DO $step$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'owner') THEN
        CREATE ROLE :"owner" NOLOGIN;
    END IF;
END
$step$;
ALTER ROLE :"owner" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
COMMENT ON ROLE :"owner" IS 'connect-pg-admin: owner of the connect-pg session schema';
