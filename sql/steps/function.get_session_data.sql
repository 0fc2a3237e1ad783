-- step function.get_session_data: create or upgrade :"schema".get_session_data(text).
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (CASCADE only reaches our own trigger,
-- which the trigger step recreates).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.get_session_data(text)', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'SETOF text'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{sessid}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".get_session_data(sessid text)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    -- One row through the primary key; expired means expiration < now(), NULL never expires.
    RETURN QUERY
        SELECT s.sess_data FROM session s
         WHERE s.sess_id = sessid
           AND (s.expiration IS NULL OR s.expiration >= now());
END
$body$;
ALTER FUNCTION :"schema".get_session_data(text) OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".get_session_data(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION :"schema".get_session_data(text) TO :"role";
