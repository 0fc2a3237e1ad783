-- What `status` reads about the session store besides the checks: the schema and its owner,
-- whether the session table and the install history are there, and whether the application
-- role exists and may log in (LOGIN, not expired, CONNECT on this database). One row, also
-- when none of it exists. Read from the catalogs, which every role may read (to_regclass
-- would need USAGE on the schema, which a monitoring role may lack).
SELECT n.oid IS NOT NULL AS schema_exists,
       n.nspowner::regrole::text AS schema_owner,
       EXISTS (SELECT FROM pg_catalog.pg_class c
                WHERE c.relnamespace OPERATOR(pg_catalog.=) n.oid AND c.relname OPERATOR(pg_catalog.=) 'session') AS table_exists,
       EXISTS (SELECT FROM pg_catalog.pg_class c
                WHERE c.relnamespace OPERATOR(pg_catalog.=) n.oid AND c.relname OPERATOR(pg_catalog.=) 'install_history') AS history_exists,
       r.oid IS NOT NULL AS role_exists,
       COALESCE(r.rolcanlogin, false) AS role_login,
       r.rolvaliduntil IS NOT NULL AND r.rolvaliduntil < pg_catalog.now() AS role_expired,
       n.oid IS NULL OR pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_readable,
       -- The behaviour checks copy the table's definition (CREATE TABLE ... LIKE needs SELECT).
       COALESCE((SELECT pg_catalog.has_table_privilege(c.oid, 'SELECT') FROM pg_catalog.pg_class c
                  WHERE c.relnamespace OPERATOR(pg_catalog.=) n.oid
                    AND c.relname OPERATOR(pg_catalog.=) 'session'), true) AS table_readable,
       COALESCE(pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CONNECT'), false)
           AS role_connect
  FROM (SELECT) AS one_row
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = :'schema'
  LEFT JOIN pg_catalog.pg_roles r ON r.rolname = :'role'
