\set id random(1, :n)
SELECT web.destroy_session(md5(:id::text));
