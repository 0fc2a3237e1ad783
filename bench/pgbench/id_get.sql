-- get through the function with the session id as a plain parameter, as connect-pg passes it
-- (bench/citus: Citus pushes a call down when its distribution argument is a constant or a
-- parameter, not an expression such as md5($1)).
\set id random(1, :n)
SELECT web.get_session_data(:id);
