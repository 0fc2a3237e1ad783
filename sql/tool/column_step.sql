{header}-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE)
-- runs as: the owner role (a new type rewrites the table through the cast from the old type,
-- which may be someone's function: planted::planted_types_casts_and_index_expressions_on_
-- the_session_table_never_run_as_a_superuser fails when this step runs as the superuser)
-- Rendered by src/contract/catalog.rs (column_step!) from sql/tool/column_step.sql: the
-- header comments of sql/steps/column.<name>.sql above, the file's statements at the end.
DO $step$
DECLARE
    t regclass := pg_catalog.format('%I.session', :'schema')::regclass;
    typ regtype;
BEGIN
    SELECT atttypid::regtype INTO typ FROM pg_catalog.pg_attribute
     WHERE attrelid = t AND attname = '{column}' AND NOT attisdropped;
    IF typ IS NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN {column} {type}', t);
    ELSIF typ OPERATOR(pg_catalog.<>) '{type}'::regtype THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN {column} TYPE {type} USING {column}::{type}', t);
    END IF;
{then}END
$step$;
