//! Whether the guest's console is a terminal.
//!
//! Like `docker run` with and without `-t`, but decided by the vmm on its own: the guest
//! sees a terminal only when the vmm's stdin and stdout are both terminals (`isatty`). The
//! vmm then passes [`TTY_PARAM`]`=`[`TTY_ON`] on the kernel command line (before the user's
//! `--cmdline`, so `--cmdline console.tty=0` can still turn it off); otherwise it passes
//! nothing, and a kernel that finds no such parameter (or `console.tty=0`) treats the
//! console as a plain byte stream: programs' `isatty(0)` is false, `TCGETS` fails with
//! ENOTTY, and bytes pass through unchanged with no echo, so a pipe gets exactly what the
//! program wrote. With a terminal, the vmm also puts its own terminal in raw mode (the
//! guest's line discipline echoes and edits) and offers the window size through
//! virtio-console's VIRTIO_CONSOLE_F_SIZE (virtio 1.2, 5.3.6 item 3).

/// Kernel parameter saying whether console port 0 is a terminal.
pub const TTY_PARAM: &str = "console.tty";
/// [`TTY_PARAM`]'s value for "a terminal".
pub const TTY_ON: &str = "1";
/// [`TTY_PARAM`]'s value for "not a terminal" (the same as no parameter).
pub const TTY_OFF: &str = "0";

/// Reads a [`TTY_PARAM`] value: `Some(true)` for [`TTY_ON`], `Some(false)` for
/// [`TTY_OFF`], `None` for anything else (the kernel then keeps its default, no terminal).
pub fn parse_tty(value: &str) -> Option<bool> {
    match value {
        TTY_ON => Some(true),
        TTY_OFF => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse_tty("1"), Some(true));
        assert_eq!(parse_tty("0"), Some(false));
        assert_eq!(parse_tty(""), None);
        assert_eq!(parse_tty("yes"), None);
    }
}
