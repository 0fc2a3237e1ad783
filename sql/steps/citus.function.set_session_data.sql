-- step citus.function.set_session_data: set_session_data for a distributed store, where no
-- trigger removes a session written already expired: the function does it itself, on the
-- row's own shard (the call is pushed down to its worker), so that such a session is gone
-- after the write exactly as on a single node. Otherwise the one atomic upsert of
-- function.set_session_data.sql. The rest of the step is sql/tool/function_step.sql, filled
-- in from the same facts as the single-node function (src/contract/citus.rs).
$body$
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
$body$
