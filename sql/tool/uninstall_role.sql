-- uninstall: drops one role the tool created. It owns and holds nothing any more (checked by
-- uninstall_roles.sql, and PostgreSQL refuses otherwise), so nothing else goes with it. On
-- Citus its node-to-node password goes too (the owner's, set by the citus.role.owner step).
DO $citus$
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_authinfo') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_catalog.pg_dist_authinfo a WHERE a.rolename OPERATOR(pg_catalog.=) $1'
          USING :'drop_role';
    END IF;
END
$citus$;
DROP ROLE IF EXISTS :"drop_role";
