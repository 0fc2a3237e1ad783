//! One module per command; each runs its command from start to end.

pub mod install;
pub mod set_password;
pub mod status;
pub mod sweep;
pub mod uninstall;
pub mod verify;
