-- step function.remove_expired: the trigger function that removes expired sessions.
-- The row just written goes at once when it is already expired (this transaction holds
-- its lock, so this never waits).
-- Then, on one write in 128 (at random), a sweep of at most 512 other expired rows,
-- oldest first, skipping rows another transaction holds: bounded work per write, no
-- waiting, so no deadlock. That removes four expired rows per write on average, and every
-- session is written at least once and expires at most once, so expired rows cannot pile
-- up. The sweep is rare and large because its fixed cost is large: its index scan starts
-- at the oldest expiration and steps over the entries of every row removed since the
-- last vacuum. Two rows on every write, and 32 on one write in eight, were measured
-- slower, and by far after a mass expiry (docs/benchmarks.md); and with fewer than one
-- write in a hundred sweeping, 99% of writes never pay for it.
-- The rows are deleted by ctid because they are locked: their ctid cannot change
-- before this transaction ends, and the delete skips a second primary-key lookup.
-- The body below is what the body check hashes (pg_proc.prosrc): comments stay above it.
-- The rest of the step (signature, owner, privileges) is sql/tool/function_step.sql,
-- filled in from catalog::FUNCTIONS.
$body$
BEGIN
    IF NEW.expiration < now() THEN
        DELETE FROM session s WHERE s.sess_id = NEW.sess_id;
    END IF;
    IF random() * 128 < 1 THEN
        DELETE FROM session s
         WHERE s.ctid = ANY (ARRAY(SELECT e.ctid FROM session e
                                    WHERE e.expiration < now()
                                    ORDER BY e.expiration
                                    LIMIT 512
                                    FOR UPDATE SKIP LOCKED));
    END IF;
    RETURN NULL;
END
$body$
