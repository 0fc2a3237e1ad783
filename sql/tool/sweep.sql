-- Every expired session, as the contract defines expiry (expiration < now(); NULL never
-- expires). Through expire_idx on each shard.
DELETE FROM :"schema".session s WHERE s.expiration < pg_catalog.now()
