-- description: {function} is SECURITY DEFINER.
SELECT is_definer(:'schema', :'function', :'args'::name[], :'description');
