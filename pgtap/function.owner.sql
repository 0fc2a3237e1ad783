-- description: {function} belongs to the owner role.
SELECT :"pgtap".function_owner_is(:'schema', :'function', :'args'::name[], :'owner', :'description');
