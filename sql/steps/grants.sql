-- step grants: the application role holds exactly USAGE on the schema and EXECUTE on the
-- session functions that catalog::FUNCTIONS grants it; everything else it holds in the schema is
-- revoked (its membership in the owner role is revoked by step role.owner.members). So is
-- everything PUBLIC holds in the schema: every role has what PUBLIC has, so a PUBLIC grant is
-- the application role's too (a function created in the schema is executable by PUBLIC unless
-- revoked).
DO $step$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS rel FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace(:'schema')
           AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC, %I', r.rel, :'role');
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace(:'schema')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, %I', r.fn, :'role');
    END LOOP;
END
$step$;
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC, :"role";
GRANT USAGE ON SCHEMA :"schema" TO :"role";
-- The functions the application role may execute: catalog::FUNCTIONS says which.
DO $step$
DECLARE
    sig text;
BEGIN
    FOREACH sig IN ARRAY :'granted_functions'::text[] LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I',
                                  pg_catalog.to_regprocedure(pg_catalog.format('%I.%s', :'schema', sig)), :'role');
    END LOOP;
END
$step$;
