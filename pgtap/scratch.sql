-- The behaviour checks run against a scratch copy, never against live sessions: a temporary
-- table of the contract's shape, and temporary copies of the live functions whose bodies are
-- the ones this version installs (a foreign body could name the live table; it is not run).
-- Everything is temporary and the transaction is rolled back, so no live row is read, locked
-- or counted and the verdict is the same on an idle and a busy database. The table is not
-- made LIKE the live one: that would copy CHECK constraints, defaults and expression indexes
-- that whoever holds the owner role may have added, and the checks' writes would then run
-- their functions with the tool's privileges (tests/planted.rs). The live table's shape is
-- the structure checks' to judge.
DO $scratch$
DECLARE
    live regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    f record;
BEGIN
    IF live IS NULL THEN
        RAISE EXCEPTION 'the session table is missing, so there is nothing to exercise';
    END IF;
    CREATE TEMPORARY TABLE pg_temp.session (
        sess_id text PRIMARY KEY,
        sess_data text,
        expiration timestamptz DEFAULT pg_catalog.now() + interval '1 day'
    );
    CREATE INDEX expire_idx ON pg_temp.session (expiration);
    -- Only a live function of the contract's signature and result is copied, and the copy is
    -- declared with the contract's parameters and result, not the live function's: a default
    -- of a parameter, or a domain as an argument or result type, is code of whoever wrote it,
    -- which the checks' calls would run with the tool's privileges (tests/planted.rs).
    FOR f IN
        SELECT p.proname, canonical.params, canonical.result, l.lanname, p.prosrc, p.prosecdef, p.provolatile
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_language l ON l.oid = p.prolang
          JOIN ROWS FROM (pg_catalog.unnest(:'function_names'::text[]),
                          pg_catalog.unnest(:'function_bodies'::text[]),
                          pg_catalog.unnest(:'function_types'::text[]),
                          pg_catalog.unnest(:'function_params'::text[]),
                          pg_catalog.unnest(:'function_results'::text[]))
                 AS canonical(name, body, types, params, result)
            ON p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(
                   pg_catalog.format('%I.%I(%s)', :'schema', canonical.name, canonical.types))
           AND canonical.body = p.prosrc
           AND pg_catalog.lower(pg_catalog.pg_get_function_result(p.oid)) = canonical.result
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION pg_temp.%I(%s) RETURNS %s LANGUAGE %I %s %s SET search_path = pg_temp AS %L',
            f.proname, f.params, f.result,
            f.lanname,
            CASE f.provolatile WHEN 's' THEN 'STABLE' WHEN 'i' THEN 'IMMUTABLE' ELSE 'VOLATILE' END,
            CASE WHEN f.prosecdef THEN 'SECURITY DEFINER' ELSE 'SECURITY INVOKER' END,
            f.prosrc);
    END LOOP;
    -- The trigger is copied only in its contract shape; the trigger check judges the live one.
    IF EXISTS (SELECT FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid = live AND t.tgname = 'delete_expired_trig' AND t.tgenabled = 'O'
                  AND t.tgfoid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.remove_expired()', :'schema')))
       AND pg_catalog.to_regprocedure('pg_temp.remove_expired()') IS NOT NULL
    THEN
        CREATE TRIGGER delete_expired_trig AFTER INSERT OR UPDATE ON pg_temp.session
            FOR EACH ROW EXECUTE FUNCTION pg_temp.remove_expired();
    END IF;
END
$scratch$;
