-- uninstall: drops one role the tool created. It owns and holds nothing any more but CONNECT
-- on this database (checked by uninstall_roles.sql, and PostgreSQL refuses otherwise): that
-- is the store's own grant (step database.connect), revoked here, so nothing else goes with it.
DO $drop$
BEGIN
    IF pg_catalog.to_regrole(:'drop_role') IS NOT NULL THEN
        EXECUTE pg_catalog.format('REVOKE CONNECT ON DATABASE %I FROM %I',
                                  pg_catalog.current_database(), :'drop_role');
    END IF;
END
$drop$;
DROP ROLE IF EXISTS :"drop_role";
