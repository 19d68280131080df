//! The command line:
//! `vmm run [--kernel PATH] [--mem MIB] [--disk PATH[,ro]]... [--env KEY=VALUE]...
//! [--user USER[:GROUP]] [--verbose] [--cmdline STRING] [--timings] [--] [PROGRAM [ARGS...]]`.
//!
//! Parsing errors become one line on stderr and exit status 2, like every other bad input;
//! `--help` and `--version` print to stdout and exit 0.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_MEM_MIB, DiskConfig, KVM_DEVICE_ENV, KernelSource, VmConfig};

/// Run a KVM virtual machine with our guest kernel.
#[derive(Debug, Parser)]
#[command(name = "vmm", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Boot a VM and exit with the status the guest powers off with.
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Guest kernel ELF (PVH); default: the kernel built into this binary.
    #[arg(long, value_name = "PATH")]
    kernel: Option<PathBuf>,
    /// Guest RAM in MiB.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MEM_MIB,
          value_parser = clap::value_parser!(u64).range(1..=(1 << 30)))]
    mem: u64,
    /// A disk image served as a virtio block device (repeatable; the first is the root
    /// disk, vda). Append ",ro" for read-only.
    #[arg(long, value_name = "PATH[,ro]")]
    disk: Vec<DiskConfig>,
    /// Extra kernel command-line text (e.g. "exit=7").
    #[arg(long, value_name = "STRING", default_value = "")]
    cmdline: String,
    /// Print where the time went (VM creation, kernel load, guest boot, power-off) to stderr.
    #[arg(long)]
    timings: bool,
    /// Sample where the vCPU spends its time and print the heaviest guest-kernel functions
    /// to stderr at the end (docs/DESIGN.md section 6: kernel time is instruction count).
    #[arg(long)]
    profile: bool,
    /// Set an environment variable for the guest program (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<OsString>,
    /// Run the program as this user: a uid or a name from the image's /etc/passwd, and
    /// optionally `:GROUP` (a gid or a name from /etc/group). Names are looked up in the
    /// guest; init itself stays root.
    #[arg(long, value_name = "USER[:GROUP]", value_parser = parse_user)]
    user: Option<String>,
    /// Show the guest kernel's log on stderr (it is quiet otherwise, except for errors).
    #[arg(long, short)]
    verbose: bool,
    /// The program to run in the guest (default: /bin/sh) and its arguments.
    #[arg(value_name = "PROGRAM", trailing_var_arg = true)]
    command: Vec<OsString>,
}

/// Checks `KEY=VALUE` with a non-empty key without `=` (POSIX environment names).
fn parse_env(s: &str) -> Result<OsString, String> {
    match s.split_once('=') {
        Some((vmm_abi::user::USER_PARAM, _)) => {
            Err(format!("'{}' is reserved for --user", vmm_abi::user::USER_PARAM))
        }
        Some((key, _)) if !key.is_empty() => Ok(s.into()),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

/// Checks the syntax of `--user` here, before booting; names are resolved by the guest's
/// init against the image (`vmm_abi::user`).
fn parse_user(s: &str) -> Result<String, String> {
    vmm_abi::user::parse(s).map(|_| s.to_owned()).map_err(|e| format!("'{s}': {e}"))
}

/// What to do instead of running: print `message` and exit with `status`.
#[derive(Debug)]
pub struct CliExit {
    /// Text to print (help, version or a one-line error).
    pub message: String,
    /// Exit status.
    pub status: u8,
}

impl CliExit {
    /// Prints the message where it belongs (stdout for help/version, stderr for errors) and
    /// returns the exit code.
    pub fn print(&self) -> std::process::ExitCode {
        if self.status == 0 {
            print!("{}", self.message);
        } else {
            eprint!("{}", self.message);
        }
        std::process::ExitCode::from(self.status)
    }
}

/// Parses `args` (including the program name) into a VM configuration. The KVM device path
/// comes from the `VMM_KVM_DEVICE` environment variable when set.
pub fn parse<I, T>(args: I) -> Result<VmConfig, CliExit>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            CliExit { message: e.render().to_string(), status: 0 }
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            CliExit { message: e.render().to_string(), status: vmm_abi::exit::STATUS_BAD_INPUT }
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("error: bad command line");
            CliExit {
                message: format!("vmm: {first} (see 'vmm --help')\n"),
                status: vmm_abi::exit::STATUS_BAD_INPUT,
            }
        }
    })?;
    let Command::Run(run) = cli.command;
    let mut config = VmConfig {
        kernel: run.kernel.map_or(KernelSource::Embedded, KernelSource::File),
        mem_mib: run.mem,
        cmdline: run.cmdline,
        timings: run.timings,
        profile: run.profile,
        disks: run.disk,
        command: run.command,
        env: run.env,
        user: run.user,
        verbose: run.verbose,
        ..VmConfig::default()
    };
    if let Some(path) = std::env::var_os(KVM_DEVICE_ENV) {
        config.kvm_device = path.into();
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(args: &[&str]) -> VmConfig {
        parse(std::iter::once("vmm").chain(args.iter().copied())).unwrap()
    }

    fn parse_err(args: &[&str]) -> CliExit {
        parse(std::iter::once("vmm").chain(args.iter().copied())).unwrap_err()
    }

    #[test]
    fn defaults() {
        let c = parse_ok(&["run"]);
        assert_eq!(c.kernel, KernelSource::Embedded);
        assert_eq!(c.mem_mib, DEFAULT_MEM_MIB);
        assert_eq!(c.cmdline, "");
        assert!(!c.timings);
    }

    #[test]
    fn all_options() {
        let c = parse_ok(&[
            "run",
            "--kernel",
            "/k.elf",
            "--mem",
            "64",
            "--cmdline",
            "exit=7",
            "--timings",
        ]);
        assert_eq!(c.kernel, KernelSource::File("/k.elf".into()));
        assert_eq!((c.mem_mib, c.cmdline.as_str(), c.timings), (64, "exit=7", true));
    }

    #[test]
    fn errors_are_one_line_with_status_2() {
        for args in
            [&["run", "--mem", "abc"][..], &["run", "--mem", "0"], &["run", "--bogus"], &["fly"]]
        {
            let e = parse_err(args);
            assert_eq!(e.status, 2, "{args:?}");
            assert_eq!(e.message.lines().count(), 1, "{args:?}: {}", e.message);
            assert!(e.message.starts_with("vmm: error: "), "{}", e.message);
        }
    }

    #[test]
    fn disks_keep_their_order() {
        let c = parse_ok(&["run", "--disk", "root.img", "--disk", "scratch.img,ro"]);
        let paths: Vec<_> =
            c.disks.iter().map(|d| (d.path.to_str().unwrap(), d.read_only)).collect();
        assert_eq!(paths, [("root.img", false), ("scratch.img", true)]);
        assert_eq!(parse_err(&["run", "--disk", "x.img,wat"]).status, 2);
    }

    #[test]
    fn program_and_its_arguments_follow_the_options() {
        let c = parse_ok(&["run", "--env", "A=1", "--", "/bin/hello", "-x", "b c", "--timings"]);
        assert_eq!(c.command, ["/bin/hello", "-x", "b c", "--timings"]);
        assert_eq!(c.env, ["A=1"]);
        assert!(!c.timings, "options after the program belong to the program");
        let c = parse_ok(&["run", "-v", "/bin/ls", "-l"]);
        assert_eq!(c.command, ["/bin/ls", "-l"]);
        assert!(c.verbose);
        assert_eq!(parse_err(&["run", "--env", "NOEQUALS"]).status, 2);
        assert_eq!(parse_err(&["run", "--env", "=x"]).status, 2);
    }

    #[test]
    fn user_syntax_is_checked_before_booting() {
        assert_eq!(parse_ok(&["run", "--user", "1000"]).user.as_deref(), Some("1000"));
        assert_eq!(parse_ok(&["run", "--user", "user:0", "id"]).user.as_deref(), Some("user:0"));
        assert_eq!(parse_ok(&["run"]).user, None);
        for bad in ["", "1x", "4294967295", "a b", ":0", "0:"] {
            let e = parse_err(&["run", "--user", bad, "id"]);
            assert_eq!(e.status, 2, "{bad:?}");
            assert_eq!(e.message.lines().count(), 1, "{bad:?}: {}", e.message);
            assert!(e.message.contains("--user"), "{}", e.message);
        }
        assert_eq!(parse_err(&["run", "--env", "init.user=0"]).status, 2);
    }

    #[test]
    fn help_goes_to_stdout_with_status_0() {
        let e = parse_err(&["run", "--help"]);
        assert_eq!(e.status, 0);
        assert!(e.message.contains("--timings"));
    }

    #[test]
    fn no_subcommand_prints_help_and_fails() {
        let e = parse_err(&[]);
        assert_eq!(e.status, 2);
        assert!(e.message.contains("Usage"));
    }
}
