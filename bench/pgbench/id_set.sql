-- set through the function, the session id a plain parameter (see id_get.sql).
\set id random(1, :n)
SELECT web.set_session_data(:id, :data, now() + interval '1 day');
