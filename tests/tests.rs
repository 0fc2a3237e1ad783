//! The integration tests: one binary, one module per area, the harness in `support/`.

mod support;

mod harness;
mod majors;
