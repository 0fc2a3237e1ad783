-- description: The session table belongs to the owner role.
SELECT table_owner_is(:'schema', 'session', :'owner', :'description');
