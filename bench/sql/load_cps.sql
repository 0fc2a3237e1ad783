INSERT INTO "session" (sid, sess, expire)
SELECT md5(g::text), :'data'::json, localtimestamp + interval '1 day'
  FROM generate_series(:lo, :hi) AS g;
