-- The tool acts as the role it logged in as. A `role` set on the database (its owner may do
-- that: ALTER DATABASE ... SET role) or on the login is applied at connection start and would
-- make every statement run as that role instead: a planted setting that silently changes what
-- the tool may do and what it reports. Sent before the pinning, which reads the connected
-- role's attributes. Not sent when the client itself asked for a role (-c role=... in
-- PGOPTIONS or options=): that is the operator's choice (session.rs).
SET ROLE NONE;
