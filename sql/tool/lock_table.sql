-- Run first in the savepoint of every step whose file says `-- lock: session table`. ACCESS
-- EXCLUSIVE is the strongest lock any such step needs, so none of its statements waits for a
-- stronger one afterwards. NOWAIT: when the application holds the table, this fails at once
-- (55P03) and apply.rs polls again later. A plain LOCK, or lock_timeout alone, would put the
-- request in the table's lock queue, and every session read and write after it would wait
-- behind it for as long as it waits.
DO $lock$
BEGIN
    IF pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')) IS NOT NULL THEN
        EXECUTE pg_catalog.format('LOCK TABLE %I.session IN ACCESS EXCLUSIVE MODE NOWAIT', :'schema');
    END IF;
END
$lock$;
