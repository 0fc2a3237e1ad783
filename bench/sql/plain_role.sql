-- The role the plain-SQL yardstick runs as: an ordinary login role with DML on the session
-- table, so the limit pays the same permission checks an application would (not a
-- superuser's shortcuts). The contract only constrains the application role, so verify is
-- unaffected.
CREATE ROLE bench_sql LOGIN;
GRANT USAGE ON SCHEMA web TO bench_sql;
GRANT SELECT, INSERT, UPDATE, DELETE ON web.session TO bench_sql;
