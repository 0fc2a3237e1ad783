-- step function.count_sessions: the number of sessions that have not expired.
-- Two counts instead of one OR so that each is an index-only scan of expire_idx: the
-- count never reads the session data.
-- The body below is what the body check hashes (pg_proc.prosrc): comments stay above it.
-- The rest of the step (signature, owner, privileges) is sql/tool/function_step.sql,
-- filled in from catalog::FUNCTIONS.
$body$
BEGIN
    RETURN (SELECT count(*) FROM session s WHERE s.expiration >= now())
         + (SELECT count(*) FROM session s WHERE s.expiration IS NULL);
END
$body$
