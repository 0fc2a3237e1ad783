-- description: The session schema belongs to the owner role.
SELECT :"pgtap".schema_owner_is(:'schema', :'owner', :'description');
