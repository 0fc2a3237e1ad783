-- description: The application role has no privilege on the session table.
SELECT table_privs_are(:'schema', 'session', :'role', ARRAY[]::text[], :'description');
