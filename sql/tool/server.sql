-- What a run needs to know about the server before it starts: its version, whether the
-- pgtap extension is installed (and where), whether its files are available to load, and
-- whether the connected role is a superuser.
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       (SELECT n.nspname FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pgtap') AS pgtap_schema,
       EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pgtap') AS pgtap_available,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       current_user AS current_user,
       pg_catalog.current_database() AS database
