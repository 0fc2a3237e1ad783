-- step function.remove_expired: create or upgrade :"schema".remove_expired().
-- CREATE OR REPLACE cannot change a result type or parameter names, so a function of this
-- signature that differs in those is dropped first (CASCADE only reaches our own trigger,
-- which the trigger step recreates).
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.remove_expired()', :'schema'));
BEGIN
    IF f IS NOT NULL AND (
        pg_catalog.pg_get_function_result(f) <> 'trigger'
        OR (SELECT coalesce(proargnames, '{}') FROM pg_catalog.pg_proc WHERE oid = f) <> '{}'::text[])
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s CASCADE', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".remove_expired()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = :"schema", pg_temp
AS $body$
BEGIN
    -- The row just written goes at once when it is already expired (this transaction holds
    -- its lock, so this never waits).
    IF NEW.expiration < now() THEN
        DELETE FROM session s WHERE s.sess_id = NEW.sess_id;
    END IF;
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
$body$;
ALTER FUNCTION :"schema".remove_expired() OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".remove_expired() FROM PUBLIC;
REVOKE ALL ON FUNCTION :"schema".remove_expired() FROM :"role";
