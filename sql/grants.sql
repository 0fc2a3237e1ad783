-- step grants: the application role holds exactly USAGE on the schema and EXECUTE on the five
-- session functions; everything else it holds in the schema, or through membership in the
-- owner role, is revoked.
DO $step$
DECLARE
    r record;
BEGIN
    IF pg_catalog.pg_has_role(:'role', :'owner', 'MEMBER') AND :'role' <> :'owner' THEN
        EXECUTE pg_catalog.format('REVOKE %I FROM %I', :'owner', :'role');
    END IF;
    FOR r IN
        SELECT c.oid::regclass AS rel FROM pg_catalog.pg_class c
         WHERE c.relnamespace = pg_catalog.to_regnamespace(:'schema')
           AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %I', r.rel, :'role');
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = pg_catalog.to_regnamespace(:'schema')
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %I', r.fn, :'role');
    END LOOP;
END
$step$;
REVOKE ALL ON SCHEMA :"schema" FROM :"role";
GRANT USAGE ON SCHEMA :"schema" TO :"role";
GRANT EXECUTE ON FUNCTION
    :"schema".set_session_data(text, text, timestamptz),
    :"schema".get_session_data(text),
    :"schema".destroy_session(text),
    :"schema".clear_sessions(),
    :"schema".count_sessions()
TO :"role";
