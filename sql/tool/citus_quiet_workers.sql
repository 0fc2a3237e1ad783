-- On Citus, before install changes anything: keeps what Citus sends to the workers for the
-- rest of the transaction out of their logs. Citus passes a role's SCRAM verifier to the
-- workers in the text of the commands it propagates (the owner's ALTER ROLE ... PASSWORD of
-- citus.role.owner becomes `SELECT alter_role_if_exists(..., 'ALTER ROLE ... PASSWORD
-- ''SCRAM-SHA-256$...''')` there), which a worker with log_statement = 'ddl' or 'all' logs.
-- A SET at the start of such a command would come too late: a query is logged when it
-- arrives, before its first statement runs. With citus.propagate_set_commands = 'local',
-- Citus begins each worker's part of this transaction with the SET LOCAL commands below, in
-- the message that opens it, so logging there is off before any verifier arrives (measured:
-- tests/citus.rs, the owner's verifier is in no worker's log). Citus propagates the whole text
-- of the query that holds a SET, so apply.rs sends each line below as a query of its own.
-- Propagation is then turned off again: the SET LOCAL ROLE of a step that runs as the owner
-- role (db::as_owner) must not reach the workers, where nothing would set the role back.
-- What Citus recorded so far still opens every worker's part of the transaction.
-- The coordinator gets its own logging back at once (sql/tool/citus_coordinator_logging.sql):
-- nothing it logs holds a verifier.
SET LOCAL citus.propagate_set_commands = 'local'
SET LOCAL log_statement = 'none'
SET LOCAL log_min_duration_statement = -1
SET LOCAL log_min_duration_sample = -1
SET LOCAL log_min_error_statement = 'panic'
SET LOCAL citus.propagate_set_commands = 'none'
