//! The integration tests: one binary, one module per area, the harness in `support/`.

mod support;

mod bad_input;
mod faults;
mod harness;
mod hostile;
mod majors;
mod password;
mod interface;
mod formats;
mod e2e_connect_pg;
mod upgrade;
mod drift;
mod locks;
