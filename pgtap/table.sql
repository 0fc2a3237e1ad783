-- description: The session table exists.
SELECT :"pgtap".has_table(:'schema', 'session', :'description');
