-- step citus.function.set_session_data: set_session_data for a distributed store, where no
-- trigger removes a session written already expired: the function does it itself, on the
-- row's own shard (the call is pushed down to its worker), so that such a session is gone
-- after the write exactly as on a single node. This file holds only the body: the step is
-- function.set_session_data.sql with this body instead of its own (src/contract/citus.rs),
-- so that the two cannot differ in anything else.
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
