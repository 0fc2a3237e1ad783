-- After sql/tool/citus_quiet_workers.sql: the coordinator logs this transaction's statements
-- as it is configured to again (reset_val: the server's, database's, role's or connection's
-- value, never a SET of this session), while the SET LOCAL commands Citus recorded still open
-- every worker's part of it. set_config in a query is not a SET command, so Citus does not
-- propagate it.
SELECT pg_catalog.set_config(s.name, s.reset_val, true)
  FROM pg_catalog.pg_settings s
 WHERE s.name OPERATOR(pg_catalog.=) ANY (ARRAY['log_statement', 'log_min_duration_statement',
                                               'log_min_duration_sample', 'log_min_error_statement'])
