//! A new pseudo-terminal pair for the tests that run the binary as a person at a terminal
//! (colour, spinner, prompts).

use std::os::fd::{FromRawFd, OwnedFd};

/// Opens a pseudo-terminal: (master, slave), with the window size `size` if given.
pub fn open(size: Option<libc::winsize>) -> (OwnedFd, OwnedFd) {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    let size_ptr = size
        .as_ref()
        .map_or(std::ptr::null(), |s| s as *const libc::winsize);
    // SAFETY: openpty writes the two descriptors into the ints we pass and reads `size` if it
    // is not NULL; the name and termios arguments may be NULL.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            size_ptr,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened by openpty and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}
