-- On Citus: this transaction's statements on distributed tables run shard by shard over one
-- connection per worker. Once a multi-shard statement has run in parallel (counting the
-- sessions, say), Citus refuses DDL on distributed functions in the same transaction, and
-- uninstall does both. Run only when the citus extension exists.
SET LOCAL citus.multi_shard_modify_mode TO 'sequential'
