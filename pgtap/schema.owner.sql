-- description: The session schema belongs to the owner role.
SELECT schema_owner_is(:'schema', :'owner', :'description');
