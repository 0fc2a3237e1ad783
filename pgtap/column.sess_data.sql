-- description: session.sess_data exists and is text.
SELECT col_type_is(:'schema', 'session', 'sess_data', 'text', :'description');
