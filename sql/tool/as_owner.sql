-- The tool's writes to the store's own tables (sweep's DELETE, install's history row) run as
-- the owner role, not as the connected superuser: a trigger, rule or constraint that someone
-- holding the owner role attached to those tables then runs with no more than that role's
-- privileges, never with the tool's. db::as_owner resets the role right after.
SET LOCAL ROLE :"owner"
