-- step table.attached: nothing is attached to the session table that changes what it does:
-- no row-level security (the functions run as the table's owner, whom FORCE subjects to the
-- policies: with no matching policy every write fails), no policies, no rules, no trigger but
-- delete_expired_trig. They are attached to the store's own table, so removing them is the
-- store's to do; a trigger's function belongs to someone else and stays. Internal triggers
-- belong to a foreign key's constraint and are left to it. Each thing dropped is named in the
-- output.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE, DROP POLICY / RULE / TRIGGER)
-- runs as: the owner role (it alters the table)
ALTER TABLE :"schema".session NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    r record;
    done text[] := '{}';
BEGIN
    FOR r IN
        SELECT 'policy' AS kind, p.polname AS name, '' AS also
          FROM pg_catalog.pg_policy p
         WHERE p.polrelid OPERATOR(pg_catalog.=) t
        UNION ALL
        SELECT 'rule', w.rulename, ''
          FROM pg_catalog.pg_rewrite w
         WHERE w.ev_class OPERATOR(pg_catalog.=) t
        UNION ALL
        SELECT 'trigger', g.tgname,
               pg_catalog.format(' (its function %s is not the store''s and stays)', g.tgfoid::pg_catalog.regprocedure)
          FROM pg_catalog.pg_trigger g
         WHERE g.tgrelid OPERATOR(pg_catalog.=) t
           AND NOT g.tgisinternal
           AND g.tgname <> 'delete_expired_trig'
         ORDER BY 1, 2
    LOOP
        EXECUTE pg_catalog.format('DROP %s %I ON %s', r.kind, r.name, t);
        done := done || pg_catalog.format('dropped %s %I on %s%s', r.kind, r.name, t, r.also);
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
