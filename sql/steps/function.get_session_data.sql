-- step function.get_session_data: the data of one session, when it has not expired.
-- One row through the primary key; expired means expiration < now(), NULL never expires.
-- The body below is what the body check hashes (pg_proc.prosrc): comments stay above it.
-- The rest of the step (signature, owner, privileges) is sql/tool/function_step.sql,
-- filled in from catalog::FUNCTIONS.
$body$
BEGIN
    RETURN QUERY
        SELECT s.sess_data FROM session s
         WHERE s.sess_id = sessid
           AND (s.expiration IS NULL OR s.expiration >= now());
END
$body$
