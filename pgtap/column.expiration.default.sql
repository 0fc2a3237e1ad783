-- description: session.expiration defaults to one day from now.
SELECT :"pgtap".col_default_is(:'schema', 'session', 'expiration', '(now() + ''1 day''::interval)', :'description');
