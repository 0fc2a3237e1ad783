-- How long each later statement of the transaction may wait for a lock, in milliseconds.
-- LOCAL: it ends with the transaction, so it never outlives the step or run that set it.
SET LOCAL lock_timeout = :'ms'
