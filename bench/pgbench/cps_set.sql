-- connect-pg-simple's set (index.js): one INSERT ... ON CONFLICT, expire one day ahead.
\set id random(1, :n)
\set exp :now + 86400
INSERT INTO "session" (sess, expire, sid) SELECT :data, to_timestamp(:exp), md5(:id::text) ON CONFLICT (sid) DO UPDATE SET sess=:data, expire=to_timestamp(:exp) RETURNING sid;
