-- The script of the pgtap extension's default version as the server ships it, for a private
-- copy loaded without CREATE EXTENSION: used when a pgtap extension that is not to be trusted
-- already exists in this database (extension names are unique per database). Reading a file
-- of the server needs a superuser (or pg_read_server_files, and pg_config needs a superuser).
SELECT pg_catalog.pg_read_file(pg_catalog.format('%s/extension/pgtap--%s.sql', c.setting, :'version')) AS script
  FROM pg_catalog.pg_config c
 WHERE c.name OPERATOR(pg_catalog.=) 'SHAREDIR'
