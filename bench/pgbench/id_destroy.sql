-- destroy through the function, the session id a plain parameter (see id_get.sql).
\set id random(1, :n)
SELECT web.destroy_session(:id);
