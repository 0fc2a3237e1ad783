-- description: {function} exists with the contract's arguments and returns {result}.
SELECT :"pgtap".function_returns(:'schema', :'function', :'args'::name[], :'result', :'description');
