-- step function.count_sessions: create or upgrade :"schema".count_sessions().
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (CASCADE only reaches our own trigger,
-- which the trigger step recreates).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.count_sessions()', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'integer'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".count_sessions()
RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    -- Two counts instead of one OR so that each is an index-only scan of expire_idx: the
    -- count never reads the session data.
    RETURN (SELECT count(*) FROM session s WHERE s.expiration >= now())
         + (SELECT count(*) FROM session s WHERE s.expiration IS NULL);
END
$body$;
ALTER FUNCTION :"schema".count_sessions() OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".count_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION :"schema".count_sessions() TO :"role";
