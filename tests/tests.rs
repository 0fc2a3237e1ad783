//! The integration tests: one binary, one module per area, the harness in `support/`.

mod support;

mod bad_input;
mod citus;
mod connection_psql;
mod drift;
mod e2e_connect_pg;
mod faults;
mod formats;
mod harness;
mod hostile;
mod install_verify;
mod interface;
mod locks;
mod majors;
mod operations;
mod password;
mod planted;
mod upgrade;
