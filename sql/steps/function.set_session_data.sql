-- step function.set_session_data: insert or update one session.
-- One atomic upsert through the primary key: no retry loop, no race between two writers.
-- The body below is what the body check hashes (pg_proc.prosrc): comments stay above it.
-- The rest of the step (signature, owner, privileges) is sql/tool/function_step.sql,
-- filled in from catalog::FUNCTIONS.
$body$
BEGIN
    INSERT INTO session (sess_id, sess_data, expiration)
    VALUES (sessid, sessdata, expire)
    ON CONFLICT (sess_id)
    DO UPDATE SET sess_data = excluded.sess_data, expiration = excluded.expiration;
END
$body$
