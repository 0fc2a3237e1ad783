-- Whether the application role has a password, and of which kind. pg_authid is readable by
-- superusers only; status runs this only when connected as one.
SELECT rolpassword IS NOT NULL AS password_set,
       CASE WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'SCRAM-SHA-256'
            WHEN rolpassword LIKE 'md5%' THEN 'md5'
            WHEN rolpassword IS NOT NULL THEN 'plain text' END AS password_kind
  FROM pg_catalog.pg_authid
 WHERE rolname = :'role'
