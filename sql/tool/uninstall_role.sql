-- uninstall: drops one role the tool created. It owns and holds nothing any more (checked by
-- uninstall_roles.sql, and PostgreSQL refuses otherwise), so nothing else goes with it.
DROP ROLE IF EXISTS :"drop_role";
