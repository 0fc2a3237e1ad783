-- step grants: the application role holds exactly USAGE on the schema and EXECUTE on the
-- session functions that catalog::FUNCTIONS grants it; everything else it holds in the
-- schema, or through membership in the owner role, is revoked. So is everything PUBLIC holds
-- in the schema: every role has what PUBLIC has, so a PUBLIC grant is the application role's
-- too (a function created in the schema is executable by PUBLIC unless revoked).
DO $step$
DECLARE
    r record;
BEGIN
    -- The one place where the SQL branches on the major. From PostgreSQL 16 on, a membership is
    -- one pg_auth_members row per grantor, and REVOKE removes only the row of the grantor it
    -- names (by default the current role, for a superuser the bootstrap superuser), merely
    -- warning about the others: each row is revoked GRANTED BY its own grantor. Before 16
    -- there is one row per membership, REVOKE removes it whoever granted it, and the grantor
    -- may be a role dropped since, which GRANTED BY could not name.
    FOR r IN
        SELECT m.roleid::regrole AS granted, m.grantor::regrole AS grantor
          FROM pg_catalog.pg_auth_members m
         WHERE m.member OPERATOR(pg_catalog.=) pg_catalog.to_regrole(:'role')
           AND m.roleid OPERATOR(pg_catalog.=) pg_catalog.to_regrole(:'owner')
    LOOP
        IF pg_catalog.current_setting('server_version_num')::int >= 160000 THEN
            EXECUTE pg_catalog.format('REVOKE %s FROM %I GRANTED BY %s', r.granted, :'role', r.grantor);
        ELSE
            EXECUTE pg_catalog.format('REVOKE %s FROM %I', r.granted, :'role');
        END IF;
    END LOOP;
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
