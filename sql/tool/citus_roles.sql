-- On a Citus coordinator: the store's roles that already exist here are created on every
-- worker where they are missing, with their LOGIN attribute. Citus creates a role on the
-- workers when it is created in a database with the extension, or when a worker is added; a
-- role created elsewhere (in another database of this server, say by an earlier single-node
-- install) is missing there, and the schema, owned by it, could not be created on them.
-- run_command_on_workers commits on each worker on its own: this is not undone with the
-- install, and needs no undoing (the role exists here already). DDL propagation is off on the
-- worker so that it does not pass the role on itself.
-- No password: run_command_on_workers opens a connection of its own for the command, which a
-- worker that logs statements logs before anything in it could turn logging off, so a
-- verifier in it would be written to the worker's log. The verifier follows within install's
-- transaction, where Citus propagates the role as a dependency of the store's objects (with
-- worker_create_or_alter_role, password included) on the connections that
-- sql/tool/citus_quiet_workers.sql opened with logging off.
SELECT r.rolname::text AS role, w.nodename, w.nodeport, w.success, w.result
  FROM pg_catalog.pg_roles r,
       LATERAL pg_catalog.run_command_on_workers(pg_catalog.format(
           'SET citus.enable_ddl_propagation TO off; SELECT pg_catalog.worker_create_or_alter_role(%L, %L, NULL)',
           r.rolname,
           pg_catalog.format('CREATE ROLE %I %s', r.rolname,
                             CASE WHEN r.rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END))) AS w
 WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY[:'role', :'owner'])
