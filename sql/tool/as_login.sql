-- Back to the role the session acted as before db::as_owner: the login, or the role the
-- client asked for in its options. Not RESET ROLE: that would restore a role set on the
-- database or login (which the pinning dropped, sql/tool/reset_role.sql).
SELECT pg_catalog.set_config('role', :'role_before', true)
