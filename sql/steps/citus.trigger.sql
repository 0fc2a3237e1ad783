-- step citus.trigger: Citus distributes no table that has a trigger (create_distributed_table
-- refuses), so the distributed store keeps expiry without one: set_session_data removes a
-- session written already expired, get and count never see an expired one, and
-- `connect-pg-admin sweep` removes the rest (docs/scale-out.md). This drops the single-node
-- trigger and its function.
-- lock: session table, ACCESS EXCLUSIVE (DROP TRIGGER)
-- runs as: the owner role (it alters the table)
DROP TRIGGER IF EXISTS delete_expired_trig ON :"schema".session;
DROP FUNCTION IF EXISTS :"schema".remove_expired();
