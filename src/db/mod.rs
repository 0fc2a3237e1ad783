//! The tool's own database session: what is pinned right after connecting, and the helpers for
//! transactions, lock_timeout and advisory locks that every command shares.

pub mod session;
