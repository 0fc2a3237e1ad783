-- get through the function, as the application role, exactly as connect-pg 1.1.5 calls it.
\set id random(1, :n)
SELECT web.get_session_data(md5(:id::text));
