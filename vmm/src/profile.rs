//! `vmm run --profile`: where the guest spends its time, by sampling the vCPU's RIP.
//!
//! On hosts whose KVM emulates the guest kernel (docs/DESIGN.md section 6) the time the
//! kernel takes is its instruction count, and `--timings` gives the total; this says which
//! kernel functions the instructions are in. A sampler thread interrupts the vCPU thread
//! every [`INTERVAL`] with a signal whose handler does nothing: `KVM_RUN` returns EINTR,
//! the run loop reads RIP ([`Profile::record`]) and goes on. At the end the samples are
//! attributed to the kernel ELF's function symbols (addresses outside them count as user
//! code) and the heaviest functions are printed to stderr.
//!
//! Wall-clock sampling measures time, not instructions, so device waits and idle `hlt`
//! show too (as the idle function); on these hosts emulated kernel instructions dominate
//! everything else, which is what makes the profile a profile of instructions.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use elf::ElfBytes;
use elf::endian::LittleEndian;

/// Time between samples.
pub const INTERVAL: Duration = Duration::from_micros(500);

/// Set to N to list the N hottest single addresses too (for `objdump -d`, `addr2line`).
pub const ADDRESSES_ENV: &str = "VMM_PROFILE_ADDRESSES";

/// How many functions the report lists.
const TOP: usize = 40;

/// Samples taken so far: RIP -> count.
#[derive(Default)]
pub struct Profile {
    samples: HashMap<u64, u64>,
}

impl Profile {
    /// Notes one sample at `rip`.
    pub fn record(&mut self, rip: u64) {
        *self.samples.entry(rip).or_default() += 1;
    }

    /// The report: total samples, the share in user code, and the heaviest kernel
    /// functions of `kernel` (an ELF with a symbol table) with their shares.
    pub fn report(&self, kernel: &[u8]) -> String {
        let symbols = function_symbols(kernel);
        let total: u64 = self.samples.values().sum();
        let mut by_function: HashMap<&str, u64> = HashMap::new();
        let mut user = 0;
        for (&rip, &n) in &self.samples {
            match lookup(&symbols, rip) {
                Some(name) => *by_function.entry(name).or_default() += n,
                None => user += n,
            }
        }
        let mut rows: Vec<_> = by_function.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let pct = |n: u64| 100.0 * n as f64 / total.max(1) as f64;
        let mut out = format!(
            "profile: {total} samples every {} us; user code or unknown {:.1}%\n",
            INTERVAL.as_micros(),
            pct(user)
        );
        for (name, n) in rows.iter().take(TOP) {
            let name = rustc_demangle::demangle(name).to_string();
            out.push_str(&format!("  {:5.1}% {n:7}  {}\n", pct(*n), strip_hash(&name)));
        }
        let addresses = std::env::var(ADDRESSES_ENV).ok().and_then(|v| v.parse().ok());
        if let Some(count) = addresses {
            let mut hot: Vec<_> = self.samples.iter().collect();
            hot.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            out.push_str("hottest addresses:\n");
            for (&rip, &n) in hot.into_iter().take(count) {
                out.push_str(&format!("  {:5.1}% {rip:#x}\n", pct(n)));
            }
        }
        out
    }
}

/// `name` without the `::h0123456789abcdef` suffix of legacy Rust mangling.
fn strip_hash(name: &str) -> &str {
    match name.rfind("::h") {
        Some(at) if name.len() - at == 19 => &name[..at],
        _ => name,
    }
}

/// A function symbol: start, end, (mangled) name.
type Symbol<'a> = (u64, u64, &'a str);

/// The code symbols of `kernel`, sorted by address (empty if it has no symbol table):
/// functions, and the labels of assembly routines, which have no size: a label covers
/// the code up to the next symbol.
fn function_symbols(kernel: &[u8]) -> Vec<Symbol<'_>> {
    let Ok(file) = ElfBytes::<LittleEndian>::minimal_parse(kernel) else { return Vec::new() };
    let Ok(Some((table, strings))) = file.symbol_table() else { return Vec::new() };
    let code = |t: u8| t == elf::abi::STT_FUNC || t == elf::abi::STT_NOTYPE;
    let mut symbols: Vec<Symbol<'_>> = table
        .iter()
        .filter(|s| code(s.st_symtype()) && s.st_value != 0 && s.st_shndx != 0)
        .filter_map(|s| {
            let name = strings.get(s.st_name as usize).ok().filter(|n| !n.is_empty())?;
            Some((s.st_value, s.st_value + s.st_size, name))
        })
        .collect();
    symbols.sort_unstable();
    symbols.dedup_by_key(|s| s.0);
    for i in 0..symbols.len() {
        if symbols[i].1 == symbols[i].0 {
            let next = symbols.get(i + 1).map_or(symbols[i].0 + 1, |s| s.0);
            symbols[i].1 = next.min(symbols[i].0 + 0x1000);
        }
    }
    symbols
}

/// The function containing `rip`, if any.
fn lookup<'a>(symbols: &[Symbol<'a>], rip: u64) -> Option<&'a str> {
    let at = symbols.partition_point(|s| s.0 <= rip).checked_sub(1)?;
    let (start, end, name) = symbols[at];
    (start <= rip && rip < end).then_some(name)
}

/// The signal that interrupts the vCPU thread (a real-time one nothing else uses).
fn sample_signal() -> libc::c_int {
    vmm_sys_util::signal::SIGRTMIN() + 2
}

extern "C" fn on_sample_signal(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

/// The thread that interrupts the vCPU thread; stops when dropped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts interrupting the calling thread (the one that runs the vCPU) every
    /// [`INTERVAL`].
    pub fn start() -> std::io::Result<Sampler> {
        vmm_sys_util::signal::register_signal_handler(sample_signal(), on_sample_signal)
            .map_err(|e| std::io::Error::from_raw_os_error(e.errno()))?;
        // SAFETY: pthread_self has no preconditions.
        let target = unsafe { libc::pthread_self() };
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("profiler".into()).spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(INTERVAL);
                // SAFETY: `target` is the vCPU thread, alive until this thread is joined
                // (the sampler is dropped on it before it returns); the signal has a
                // handler, so it only interrupts KVM_RUN.
                unsafe { libc::pthread_kill(target, sample_signal()) };
            }
        })?;
        Ok(Sampler { stop, thread: Some(thread) })
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_attributed_to_the_enclosing_function() {
        let symbols = vec![(0x1000, 0x1010, "a"), (0x1010, 0x1100, "b"), (0x2000, 0x2001, "c")];
        assert_eq!(lookup(&symbols, 0x1000), Some("a"));
        assert_eq!(lookup(&symbols, 0x100f), Some("a"));
        assert_eq!(lookup(&symbols, 0x1010), Some("b"));
        assert_eq!(lookup(&symbols, 0x1100), None);
        assert_eq!(lookup(&symbols, 0xfff), None);
        assert_eq!(lookup(&symbols, 0x2000), Some("c"));
    }

    #[test]
    fn the_embedded_kernel_has_symbols_to_name() {
        let symbols = function_symbols(crate::embedded::EMBEDDED_KERNEL);
        assert!(symbols.len() > 100, "{} function symbols", symbols.len());
        let mut p = Profile::default();
        p.record(symbols[0].0);
        p.record(1);
        let report = p.report(crate::embedded::EMBEDDED_KERNEL);
        assert!(report.starts_with("profile: 2 samples"), "{report}");
        assert!(report.contains("user code or unknown 50.0%"), "{report}");
    }

    #[test]
    fn legacy_hashes_are_dropped() {
        assert_eq!(strip_hash("kernel::a::b::h0123456789abcdef"), "kernel::a::b");
        assert_eq!(strip_hash("kernel::hello"), "kernel::hello");
    }
}
