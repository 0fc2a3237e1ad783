-- step function.clear_sessions: create or upgrade :"schema".clear_sessions().
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (CASCADE only reaches our own trigger,
-- which the trigger step recreates).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.clear_sessions()', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'void'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".clear_sessions()
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    DELETE FROM session;
END
$body$;
ALTER FUNCTION :"schema".clear_sessions() OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".clear_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION :"schema".clear_sessions() TO :"role";
