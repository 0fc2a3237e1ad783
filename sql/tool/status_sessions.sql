-- Sessions by state, as the contract defines expiry: expired means expiration < now(); a
-- NULL expiration never expires.
SELECT pg_catalog.count(*) FILTER (WHERE expiration IS NULL OR expiration >= pg_catalog.now()) AS live,
       pg_catalog.count(*) FILTER (WHERE expiration < pg_catalog.now()) AS expired
  FROM :"schema".session
