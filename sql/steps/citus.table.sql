-- step citus.table: the session table hash-distributed on sess_id, so that every call of set,
-- get and destroy goes to the one worker that holds its row. create_distributed_table copies
-- the rows of a single-node table to the shards while it blocks writes (install does that to
-- a table with rows only with --distribute), then the coordinator's local copy is truncated.
-- A table distributed another way is first made local again (undistribute_table).
-- lock: session table, ACCESS EXCLUSIVE (create_distributed_table, truncate of the local copy)
-- Runs as the connected superuser, though it alters the table: Citus reaches the workers as
-- the role that runs it, and the owner role's password on the workers (citus.role.owner) is
-- not theirs before this transaction commits. So the rows of a single-node table are copied
-- into the shards as the superuser: docs/security.md, "Which role runs each step", says what
-- that leaves open.
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    p record;
BEGIN
    SELECT d.partmethod, pg_catalog.column_to_column_name(d.logicalrelid, d.partkey) AS col
      INTO p
      FROM pg_catalog.pg_dist_partition d
     WHERE d.logicalrelid OPERATOR(pg_catalog.=) t;
    IF FOUND AND p.partmethod OPERATOR(pg_catalog.=) 'h' AND p.col OPERATOR(pg_catalog.=) 'sess_id' THEN
        RETURN;
    END IF;
    IF FOUND THEN
        PERFORM pg_catalog.undistribute_table(t);
    END IF;
    PERFORM pg_catalog.create_distributed_table(t, 'sess_id');
    PERFORM pg_catalog.truncate_local_data_after_distributing_table(t);
END
$step$;
