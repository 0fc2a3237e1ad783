-- description: session.sess_id exists and is text.
SELECT :"pgtap".col_type_is(:'schema', 'session', 'sess_id', 'text', :'description');
