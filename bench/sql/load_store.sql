-- Sessions :lo..:hi, one day ahead. Written with triggers off (replica role): a bulk load
-- is not the traffic under test, and the expiry trigger has nothing to remove here.
SET session_replication_role = replica;
INSERT INTO web.session (sess_id, sess_data, expiration)
SELECT md5(g::text), :'data', now() + interval '1 day'
  FROM generate_series(:lo, :hi) AS g;
RESET session_replication_role;
