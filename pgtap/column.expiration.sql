-- description: session.expiration exists and is timestamp with time zone.
SELECT col_type_is(:'schema', 'session', 'expiration', 'timestamp with time zone', :'description');
