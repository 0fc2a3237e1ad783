-- The role the session acts as ('none': the login), for db::as_owner to return to.
SELECT pg_catalog.current_setting('role')
