-- Where a session landed, for --print-target and the differential test against psql
-- (tests/connection_psql.rs runs this same file with psql): the server's port, whether it is a
-- standby, the user, the database, and whether the session uses TLS.
SELECT pg_catalog.current_setting('port')
       OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) pg_catalog.pg_is_in_recovery()::pg_catalog.text
       OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) CURRENT_USER
       OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) pg_catalog.current_database()
       OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) COALESCE(
           (SELECT s.ssl::pg_catalog.text FROM pg_catalog.pg_stat_ssl s
             WHERE s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()), 'false');
