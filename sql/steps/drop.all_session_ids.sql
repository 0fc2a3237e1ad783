-- step drop.all_session_ids: connect-pg 1.1.0 removed this function because it listed every
-- session id; databases from 1.0.x still have it.
DROP FUNCTION IF EXISTS :"schema".all_session_ids();
