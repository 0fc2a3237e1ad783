-- How many sessions uninstall would delete, so the prompt and the dry run can say so.
SELECT pg_catalog.count(*) AS sessions FROM :"schema".session
