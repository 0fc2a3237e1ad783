-- step citus.function.set_session_data: create or upgrade :"schema".set_session_data(text, text, timestamptz)
-- for a distributed store, where no trigger removes a session written already expired: the
-- function does it itself, on the row's own shard (the call is pushed down to its worker),
-- so such a session is gone after the write exactly as on a single node.
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (nothing depends on it on Citus).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.set_session_data(text, text, timestamptz)', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'void'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{sessid,sessdata,expire}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".set_session_data(sessid text, sessdata text, expire timestamptz)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    IF expire < now() THEN
        DELETE FROM session s WHERE s.sess_id = sessid;
        RETURN;
    END IF;
    INSERT INTO session (sess_id, sess_data, expiration)
    VALUES (sessid, sessdata, expire)
    ON CONFLICT (sess_id)
    DO UPDATE SET sess_data = excluded.sess_data, expiration = excluded.expiration;
END
$body$;
ALTER FUNCTION :"schema".set_session_data(text, text, timestamptz) OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".set_session_data(text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION :"schema".set_session_data(text, text, timestamptz) TO :"role";
