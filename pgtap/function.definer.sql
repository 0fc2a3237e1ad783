-- description: {function} is SECURITY DEFINER.
SELECT :"pgtap".is_definer(:'schema', :'function', :'args'::name[], :'description');
