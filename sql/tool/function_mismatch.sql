-- The function of the contract's signature {signature} in the schema, when CREATE OR REPLACE
-- cannot turn it into the contract's: its result type or its argument names differ, so it
-- must be dropped and created again. No row otherwise. Shared by the function steps
-- (sql/tool/function_step.sql) and by install's look for what such a drop would take along
-- (sql/tool/function_dependents.sql), so both decide alike.
SELECT p.oid::pg_catalog.regprocedure AS fn
  FROM pg_catalog.pg_proc p
 WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.%s', :'schema', {signature}))
   AND (pg_catalog.lower(pg_catalog.pg_get_function_result(p.oid)) OPERATOR(pg_catalog.<>) {result_text}
        OR coalesce(p.proargnames, '{}') OPERATOR(pg_catalog.<>) {argnames}::pg_catalog.text[])
