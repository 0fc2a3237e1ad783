-- verify on a database whose default is read-only (default_transaction_read_only): the checks
-- need their temporary scratch objects, and the transaction is always rolled back.
SET TRANSACTION READ WRITE
