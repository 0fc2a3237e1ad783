\set id random(1, :n)
DELETE FROM "session" WHERE sid = md5(:id::text);
