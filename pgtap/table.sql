-- description: The session table exists.
SELECT has_table(:'schema', 'session', :'description');
