-- step table.triggers: the session table has no trigger but delete_expired_trig. A trigger is
-- attached to the store's own table, so dropping it is the store's to do; the function it
-- executes belongs to someone else and stays. Each trigger dropped is named in the output.
-- Internal triggers belong to a foreign key's constraint and are left to it.
-- lock: session table, ACCESS EXCLUSIVE (DROP TRIGGER)
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    r record;
    done text[] := '{}';
BEGIN
    FOR r IN SELECT g.tgname, g.tgfoid::pg_catalog.regprocedure AS fn FROM pg_catalog.pg_trigger g
              WHERE g.tgrelid OPERATOR(pg_catalog.=) t
                AND NOT g.tgisinternal
                AND g.tgname <> 'delete_expired_trig'
              ORDER BY g.tgname
    LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', r.tgname, t);
        done := done || pg_catalog.format('dropped trigger %I on %s (its function %s is not the store''s and stays)',
                                          r.tgname, t, r.fn);
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
