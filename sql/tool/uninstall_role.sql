-- uninstall: drops one role the tool created. It owns and holds nothing any more but CONNECT
-- on this database (checked by uninstall_roles.sql, and PostgreSQL refuses otherwise): that
-- is the store's own grant (step database.connect), revoked here, so nothing else goes with it.
-- On Citus its node-to-node password goes too (the owner's, set by the citus.role.owner step).
DO $drop$
BEGIN
    IF pg_catalog.to_regrole(:'drop_role') IS NOT NULL THEN
        EXECUTE pg_catalog.format('REVOKE CONNECT ON DATABASE %I FROM %I',
                                  pg_catalog.current_database(), :'drop_role');
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_authinfo') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_catalog.pg_dist_authinfo a WHERE a.rolename OPERATOR(pg_catalog.=) $1'
          USING :'drop_role';
    END IF;
END
$drop$;
DROP ROLE IF EXISTS :"drop_role";
