-- description: session.sess_data exists and is text.
SELECT :"pgtap".col_type_is(:'schema', 'session', 'sess_data', 'text', :'description');
