-- description: sess_id is the primary key of the session table.
SELECT :"pgtap".col_is_pk(:'schema', 'session', 'sess_id', :'description');
