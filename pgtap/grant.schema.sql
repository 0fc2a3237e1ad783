-- description: The application role has USAGE on the schema and nothing else (no CREATE).
SELECT :"pgtap".schema_privs_are(:'schema', :'role', ARRAY['USAGE'], :'description');
