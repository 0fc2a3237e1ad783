-- step function.destroy_session: create or upgrade :"schema".destroy_session(text).
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (CASCADE only reaches our own trigger,
-- which the trigger step recreates).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.destroy_session(text)', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'void'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{sessid}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".destroy_session(sessid text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    DELETE FROM session s WHERE s.sess_id = sessid;
END
$body$;
ALTER FUNCTION :"schema".destroy_session(text) OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".destroy_session(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION :"schema".destroy_session(text) TO :"role";
