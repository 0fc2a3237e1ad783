-- step app_role: the login role the web application connects as. Created with no password:
-- set-password gives it one, so no default password ever exists.
DO $step$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'role') THEN
        CREATE ROLE :"role" LOGIN;
        COMMENT ON ROLE :"role" IS 'connect-pg-admin: application role of the connect-pg session store';
    END IF;
END
$step$;
ALTER ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
