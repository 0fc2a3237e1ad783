-- step function.destroy_session: delete one session.
-- The body below is what the body check hashes (pg_proc.prosrc): comments stay above it.
-- The rest of the step (signature, owner, privileges) is sql/tool/function_step.sql,
-- filled in from catalog::FUNCTIONS.
$body$
BEGIN
    DELETE FROM session s WHERE s.sess_id = sessid;
END
$body$
