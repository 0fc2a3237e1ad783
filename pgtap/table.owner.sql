-- description: The session table belongs to the owner role.
SELECT :"pgtap".table_owner_is(:'schema', 'session', :'owner', :'description');
