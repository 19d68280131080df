//! The figures the bench program (`guest-apps/bench`) produces: names as its output
//! protocol spells them, and what each means (for the table, the chart and the docs).
//! Keep in step with `guest-apps/bench/src/ops/mod.rs`. Every one is required on both
//! sides: the guest kernel implements signal handlers, so an `unsupported` line from the
//! bench program is a failure (see `protocol::unsupported`).

/// One measured operation.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// Protocol name (`result <name> ...`).
    pub name: &'static str,
    /// Short label for the table and chart.
    pub label: &'static str,
    /// Sampled `--syscall-iters` times (a cheap operation), else `--iters` times.
    pub cheap: bool,
}

const CHEAP: bool = true;
const PROCESS: bool = false;

const fn op(name: &'static str, label: &'static str, cheap: bool) -> Op {
    Op { name, label, cheap }
}

/// Every operation, in the order the bench program runs them.
pub const OPS: [Op; 8] = [
    op("clock_gettime", "clock read (timer cost)", CHEAP),
    op("getppid", "getppid (null syscall)", CHEAP),
    op("pipe_round_trip", "pipe round trip", CHEAP),
    op("fork_exit_wait", "fork+exit+wait", PROCESS),
    op("fork_exec_wait", "fork+exec+wait (true)", PROCESS),
    op("posix_spawn_wait", "posix_spawn+wait (true)", PROCESS),
    op("script_exec_wait", "fork+exec+wait (#! script)", PROCESS),
    op("signal_round_trip", "caught signal round trip", CHEAP),
];

/// The operation called `name`.
pub fn find(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|op| op.name == name)
}
