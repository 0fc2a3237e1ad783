-- The sessions a conversion to a distributed table would copy (the table exists: its check passed).
SELECT pg_catalog.count(*) FROM :"schema".session
