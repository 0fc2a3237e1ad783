-- On Citus: whether the session table is distributed (its shards are on the workers). The
-- install steps that otherwise run as the owner role then run as the login: Citus would
-- reach the shards as the owner role, whose connections there open with install's SET LOCAL
-- commands for the workers' logging (sql/tool/citus_quiet_workers.sql), which only a
-- superuser may run, and with a password the workers do not know yet when this install sets
-- it (citus.role.owner).
SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d
                WHERE d.logicalrelid OPERATOR(pg_catalog.=)
                      pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))) AS distributed
