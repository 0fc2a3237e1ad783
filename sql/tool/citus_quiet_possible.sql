-- set-password: whether this database has the citus extension (Citus then propagates the new
-- verifier to the workers in the text of a command, which a worker that logs statements
-- logs), and whether the connected role is a superuser, who alone may run
-- sql/tool/citus_quiet_workers.sql: a SET LOCAL refused there would abort the transaction.
SELECT EXISTS (SELECT FROM pg_catalog.pg_extension e
                WHERE e.extname OPERATOR(pg_catalog.=) 'citus') AS citus,
       COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r
                  WHERE r.rolname OPERATOR(pg_catalog.=) current_user), false) AS superuser
