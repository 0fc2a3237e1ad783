-- connect-pg-simple's get (index.js): its query text, with the session id and the current
-- Unix time as parameters. :now is the run's start time: no session expires in this run.
\set id random(1, :n)
SELECT sess FROM "session" WHERE sid = md5(:id::text) AND expire >= to_timestamp(:now);
