//! The kernel's own command-line options. Everything else on the command line is ignored
//! here, e.g. the vmm's `virtio_mmio.device=` (see `virtio_mmio`, read when the devices are
//! first used).

use crate::cmdline::{self, Param};
use crate::selftest_spec::{self, BlkBench, BlkTest, ConTest};
use core::fmt;

/// A deliberate CPU exception requested with `fault=`, so tests can check the fault path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// `fault=now`: read a non-present address, a page fault.
    PageFault,
    /// `fault=stack`: overflow the kernel stack into its guard page, a double fault on the
    /// dedicated #DF stack.
    StackOverflow,
}

/// Which file-system self-test `fstest=` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsTest {
    /// `fstest=cat`: copy console input to console output through init's descriptors.
    Cat,
    /// `fstest=basic` (or any other value): the file-system layer's smoke test.
    Basic,
}

/// What the command line asks of the kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BootOptions {
    /// `exit=N`: power off with status N after the banner (the default, with no user space
    /// yet, is status 0).
    pub exit: Option<u8>,
    /// `panic=now`: panic deliberately after the banner. Other `panic=` values are Linux's
    /// reboot timeout and are ignored.
    pub panic_now: bool,
    /// `fault=...`: take a deliberate CPU exception after the banner.
    pub fault: Option<FaultKind>,
    /// `timings`: print a line with the boot-report stamps after the banner (costs one more
    /// console exit, so it is off by default).
    pub timings: bool,
    /// `verbose`: log what the kernel finds (devices); it is quiet otherwise, except for
    /// errors (the vmm's `--verbose`, `vmm_abi::args::VERBOSE_PARAM`).
    pub verbose: bool,
    /// `blktest=rw|ro`: the block self-test to run after boot.
    pub blktest: Option<BlkTest>,
    /// `contest=out:N|echo|split`: the console self-test to run after boot.
    pub contest: Option<ConTest>,
    /// `blkbench=MODE:N`: the block benchmark to run after boot.
    pub blkbench: Option<BlkBench>,
    /// `fstest=cat|basic`: the file-system self-test to run after boot. Parsed here so the
    /// boot makes one pass over the command line for all of its options (each pass is
    /// about 1,400 emulated instructions on this project's hosts).
    pub fstest: Option<FsTest>,
    /// `console.tty=1`: the console is a terminal (the vmm's stdin and stdout are one), so
    /// the kernel puts a line discipline on it; `console.tty=0` or absent: it is not (a
    /// pipe or a file), its bytes pass unchanged and it answers no terminal requests.
    pub console_tty: bool,
}

/// A known option with a value the kernel cannot use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionError<'a> {
    /// The option's key.
    pub key: &'a str,
    /// The value given, `None` for a bare key.
    pub value: Option<&'a str>,
    /// What the option accepts.
    pub expected: &'static str,
}

impl fmt::Display for OptionError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, "invalid kernel command line option {}={:?}", self.key, v)?,
            None => write!(f, "invalid kernel command line option {} (no value)", self.key)?,
        }
        write!(f, ": expected {}", self.expected)
    }
}

/// Parses the kernel's options from `cmdline`. Parameters after a bare `--` belong to init
/// (the Linux convention) and are not looked at.
pub fn parse(cmdline: &str) -> Result<BootOptions, OptionError<'_>> {
    let mut options = BootOptions::default();
    for param in cmdline::params(cmdline) {
        let Param { key, value } = param;
        let error = |expected| OptionError { key, value, expected };
        match key {
            "--" if value.is_none() => break,
            "exit" => {
                let n = value.and_then(|v| v.parse::<u8>().ok());
                options.exit = Some(n.ok_or(error("an exit status 0..=255"))?);
            }
            "panic" => options.panic_now = value == Some("now"),
            "fault" => {
                options.fault = Some(match value {
                    Some("now") => FaultKind::PageFault,
                    Some("stack") => FaultKind::StackOverflow,
                    _ => return Err(error("`now` or `stack`")),
                });
            }
            "timings" => options.timings = true,
            "verbose" => options.verbose = true,
            "blktest" => {
                options.blktest = Some(
                    value.and_then(selftest_spec::parse_blktest).ok_or(error("`rw` or `ro`"))?,
                );
            }
            "contest" => {
                let test = value.and_then(selftest_spec::parse_contest);
                options.contest = Some(test.ok_or(error("`out:N`, `echo` or `split`"))?);
            }
            "blkbench" => {
                let bench = value.and_then(selftest_spec::parse_blkbench);
                let expected = "`seqread:MIB`, `seqwrite:MIB` or `randread:COUNT`";
                options.blkbench = Some(bench.ok_or(error(expected))?);
            }
            "fstest" => {
                options.fstest =
                    Some(if value == Some("cat") { FsTest::Cat } else { FsTest::Basic });
            }
            "console.tty" => {
                options.console_tty = match value {
                    Some("1") => true,
                    Some("0") => false,
                    _ => return Err(error("`1` or `0`")),
                };
            }
            _ => {}
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(parse(""), Ok(BootOptions::default()));
        assert_eq!(parse("quiet root=/dev/vda"), Ok(BootOptions::default()));
        assert_eq!(parse("virtio_mmio.device=junk"), Ok(BootOptions::default()));
    }

    #[test]
    fn self_tests() {
        let o = parse("blktest=rw contest=out:10 blkbench=randread:5").unwrap();
        assert_eq!(o.blktest, Some(BlkTest::ReadWrite));
        assert_eq!(o.contest, Some(ConTest::Out(10)));
        assert_eq!(o.blkbench, Some(BlkBench::RandRead(5)));
        for bad in ["blktest=x", "blktest", "contest=out", "blkbench=seqread"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn console_tty() {
        assert!(!parse("").unwrap().console_tty, "not a terminal unless told");
        assert!(parse("console.tty=1").unwrap().console_tty);
        assert!(!parse("console.tty=1 console.tty=0").unwrap().console_tty);
        assert!(!parse("-- console.tty=1").unwrap().console_tty, "init's words");
        assert!(parse("console.tty=yes").is_err());
        assert!(parse("console.tty").is_err());
    }

    #[test]
    fn exit_status() {
        assert_eq!(parse("exit=3").unwrap().exit, Some(3));
        assert_eq!(parse("exit=0").unwrap().exit, Some(0));
        assert_eq!(parse("exit=255").unwrap().exit, Some(255));
        assert_eq!(parse("exit=1 exit=9").unwrap().exit, Some(9));
        assert_eq!(parse(r#"exit="7""#).unwrap().exit, Some(7));
    }

    #[test]
    fn bad_exit_status_is_an_error() {
        for bad in ["exit=256", "exit=-1", "exit=x", "exit=", "exit"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.key, "exit", "{bad}");
        }
        extern crate std;
        use std::string::ToString;
        assert_eq!(
            parse("exit=300").unwrap_err().to_string(),
            r#"invalid kernel command line option exit="300": expected an exit status 0..=255"#
        );
        assert_eq!(
            parse("exit").unwrap_err().to_string(),
            "invalid kernel command line option exit (no value): expected an exit status 0..=255"
        );
    }

    #[test]
    fn panic_and_fault() {
        assert!(parse("panic=now").unwrap().panic_now);
        assert!(!parse("panic=10").unwrap().panic_now);
        assert_eq!(parse("fault=now").unwrap().fault, Some(FaultKind::PageFault));
        assert_eq!(parse("fault=stack").unwrap().fault, Some(FaultKind::StackOverflow));
        assert_eq!(parse("fault=later").unwrap_err().key, "fault");
        assert!(parse("timings").unwrap().timings);
        assert!(parse("verbose").unwrap().verbose);
    }

    #[test]
    fn fstest_selects_the_file_system_self_test() {
        assert_eq!(parse("fstest=cat").unwrap().fstest, Some(FsTest::Cat));
        assert_eq!(parse("fstest=basic").unwrap().fstest, Some(FsTest::Basic));
        assert_eq!(parse("exit=0").unwrap().fstest, None);
        assert_eq!(parse("-- fstest=cat").unwrap().fstest, None);
    }

    #[test]
    fn init_arguments_are_not_kernel_options() {
        assert_eq!(
            parse("exit=2 -- exit=x panic=now").unwrap(),
            BootOptions { exit: Some(2), ..BootOptions::default() }
        );
    }
}
