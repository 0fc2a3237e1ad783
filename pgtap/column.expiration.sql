-- description: session.expiration exists and is timestamp with time zone.
SELECT :"pgtap".col_type_is(:'schema', 'session', 'expiration', 'timestamp with time zone', :'description');
