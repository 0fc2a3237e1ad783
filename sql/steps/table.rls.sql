-- step table.rls: the session table has no row-level security and no policies. The functions
-- run as the table's owner, whom FORCE ROW LEVEL SECURITY subjects to the policies: with RLS
-- and no matching policy every write fails. Each policy dropped is named in the output.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE, DROP POLICY)
ALTER TABLE :"schema".session NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    r record;
    done text[] := '{}';
BEGIN
    FOR r IN SELECT p.polname FROM pg_catalog.pg_policy p
              WHERE p.polrelid OPERATOR(pg_catalog.=) t ORDER BY p.polname
    LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', r.polname, t);
        done := done || pg_catalog.format('dropped policy %I on %s', r.polname, t);
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
