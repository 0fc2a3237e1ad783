-- The application role's VALID UNTIL when it has passed (no row otherwise): then the server
-- refuses every password for it, and set-password says so.
SELECT pg_catalog.format('%s', r.rolvaliduntil) AS valid_until
  FROM pg_catalog.pg_roles r
 WHERE r.rolname = :'role' AND r.rolvaliduntil < pg_catalog.now();
