-- The tool's writes to the store's own tables (sweep's DELETE, install's history row) and the
-- install steps that alter or scan the session table (their files say `-- runs as: the owner
-- role`) run as the owner role, not as the connected superuser: a trigger, rule, CHECK
-- constraint or index expression that someone holding the owner role attached to those
-- tables then runs with no more than that role's privileges, never with the tool's.
-- db::as_owner sets the role back right after.
SET LOCAL ROLE :"owner"
