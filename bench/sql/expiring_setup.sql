-- A third of the sessions (id % 3 = 0, the same third fn_set_expiring.sql keeps short)
-- expire at a random moment within :window seconds, starting :margin seconds from now (about
-- the time this update and the vacuum after it take, so the run starts as they begin to expire).
SET session_replication_role = replica;
UPDATE web.session s
   SET expiration = now() + (:margin + random() * :window) * interval '1 second'
  FROM generate_series(3, :n, 3) AS g
 WHERE s.sess_id = md5(g::text);
RESET session_replication_role;
