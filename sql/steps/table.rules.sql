-- step table.rules: the session table has no rules. A rule is attached to the store's own
-- table, so dropping it is the store's to do; each one dropped is named in the output.
-- lock: session table, ACCESS EXCLUSIVE (DROP RULE)
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    r record;
    done text[] := '{}';
BEGIN
    FOR r IN SELECT w.rulename FROM pg_catalog.pg_rewrite w
              WHERE w.ev_class OPERATOR(pg_catalog.=) t ORDER BY w.rulename
    LOOP
        EXECUTE pg_catalog.format('DROP RULE %I ON %s', r.rulename, t);
        done := done || pg_catalog.format('dropped rule %I on %s', r.rulename, t);
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
