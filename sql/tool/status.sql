-- What `status` reads about the session store besides the checks: the schema and its owner,
-- whether the session table and the install history are there, and whether the application
-- role exists and may log in (LOGIN, not expired, CONNECT on this database). One row, also
-- when none of it exists.
SELECT n.oid IS NOT NULL AS schema_exists,
       n.nspowner::regrole::text AS schema_owner,
       pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')) IS NOT NULL AS table_exists,
       pg_catalog.to_regclass(pg_catalog.format('%I.install_history', :'schema')) IS NOT NULL AS history_exists,
       r.oid IS NOT NULL AS role_exists,
       COALESCE(r.rolcanlogin, false) AS role_login,
       r.rolvaliduntil IS NOT NULL AND r.rolvaliduntil < pg_catalog.now() AS role_expired,
       COALESCE(pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CONNECT'), false)
           AS role_connect
  FROM (SELECT) AS one_row
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = :'schema'
  LEFT JOIN pg_catalog.pg_roles r ON r.rolname = :'role'
