//! The guest kernel.
//!
//! Boots through the PVH entry (`boot/entry.rs`) into [`kmain`], which brings the machine
//! up in the numbered order below, prints the banner (when verbose) and, with no user space yet, powers
//! off with the status the command line asks for. The module docs hold the details:
//! `mm::layout` the address-space layout, `arch::x86_64::gdt` the selectors, `report` the
//! boot stamps.
//!
//! # Cost model
//!
//! On the project's machines `/dev/kvm` is provided by `kvm_pvm` (shadow paging, no
//! hardware virtualization), which runs guest *user* code natively but emulates guest
//! *kernel* code instruction by instruction: about 1 µs per instruction, about 1 µs per
//! iteration of a `rep` string instruction, and one exit per byte even for `rep outsb`.
//! Boot time is therefore dominated by the number of kernel instructions executed, so the
//! boot path avoids loops it does not need: the GDT, TSS and IDT are laid out by the
//! assembler and linker instead of built at run time, first page tables come zeroed from
//! the ELF file, large arrays are neither zeroed nor copied needlessly, and mappings are
//! written in tight runs. Where a choice was made for this reason, the code says so.
#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod block;
mod boot;
mod console;
mod drivers;
mod entry;
mod exec;
mod fs;
mod klog;
mod mm;
mod panic;
mod power;
mod process;
mod random;
mod report;
mod sched;
mod selftest;
mod sync;
mod syscall;
mod time;
mod tty;
mod uaccess;

use arch::x86_64::{gdt, idt, paging};
use console::println;
use klib::banner::Banner;
use klib::memmap::{self, RangeList};
use klib::options::{self, FaultKind};
use klib::range::PhysRange;
use mm::layout;
use vmm_abi::report::stamp;

/// The Rust entry point, called by the PVH entry code on the boot stack with the physical
/// address of `hvm_start_info` and the TSC value read by the kernel's first instruction.
extern "C" fn kmain(start_info_phys: u64, entry_tsc: u64) -> ! {
    report::record(stamp::ENTRY, entry_tsc);
    report::stamp(stamp::RUST_START);

    // 1. CPU tables first, so any fault from here on is reported rather than a triple fault.
    gdt::init();
    idt::init();
    arch::x86_64::exceptions::set_reporter(panic::report_fault);
    report::stamp(stamp::CPU_TABLES);

    // 2. What the loader handed over: the memory map (copied), where the command line is.
    let mut info = boot::start_info::BootInfo::new();
    boot::start_info::read(start_info_phys, &mut info);
    report::set_location(info.report_page());

    // 3. Physical frames: RAM minus low memory, the kernel image and the loader's structures.
    let (image_start, image_end) = layout::image_phys_range();
    let reserved = [
        PhysRange::new(0, layout::LOW_MEMORY_END),
        PhysRange::new(image_start, image_end),
        info.loader_ranges[0],
        info.loader_ranges[1],
        info.loader_ranges[2],
    ];
    let mut usable = RangeList::new();
    memmap::usable_ranges(&info.regions, &reserved, &mut usable)
        .expect("memory map too fragmented");
    mm::frame::init(&usable);
    report::stamp(stamp::MEMORY);

    // 4. The kernel's own page tables (direct map, W^X image); the identity map goes away.
    paging::init(&info.regions);
    mm::share::init(usable.iter().map(|r| r.end).max().unwrap_or(0));
    report::stamp(stamp::PAGING);

    // 5. The heap, and the first thing kept on it: the command line.
    mm::heap::init();
    // Kept for good: the devices on it are read when first used.
    let cmdline: &'static str = info.read_cmdline().leak();
    report::stamp(stamp::HEAP);

    // 6. The TSC frequency, from kvm-clock.
    let tsc_khz = time::pvclock::init();
    report::set_tsc_khz(tsc_khz);
    time::set_tsc_khz(tsc_khz);
    report::stamp(stamp::CLOCK);

    // 7. What the command line asks for, then the banner: only with `verbose` (the vmm's
    //    `-v`), so that a program's stderr carries nothing but its own output.
    let options = options::parse(cmdline).unwrap_or_else(|e| panic!("{e}"));
    if options.verbose {
        let ram = memmap::ram_summary(&info.regions);
        println!(
            "{}",
            Banner {
                version: env!("CARGO_PKG_VERSION"),
                total_kib: ram.total_bytes / 1024,
                ram_regions: ram.regions,
                free_kib: mm::frame::free_bytes() / 1024,
                cmdline,
            }
        );
    }
    report::stamp(stamp::BANNER);

    // 8. Deliberate failures.
    if options.panic_now {
        panic!("panic requested on the kernel command line (panic=now)");
    }
    match options.fault {
        Some(FaultKind::PageFault) => fault_now(),
        Some(FaultKind::StackOverflow) => overflow_stack(0),
        None => {}
    }

    // 9. Devices: the virtio-mmio devices the command line announces, brought up on first
    //    use (disks vda, vdb, ... in order; the console becomes the kernel console).
    let kvm_features = time::pvclock::kvm_features();
    drivers::virtio::announce(cmdline, kvm_features, options.verbose);
    if options.timings {
        print_timings();
    }

    // 10. A self-test if one is asked for (it powers off); `exit=N` powers off here.
    selftest::run(&options);
    fs::selftest::run_if_asked(options.fstest);
    if let Some(status) = options.exit {
        power::power_off(status);
    }

    // 11. User space: the SYSCALL entry, SMEP/SMAP where offered, the clocks, the random
    //     generator (seeded from the vmm's entropy page), then PID 1 (`process::init`).
    klog::set_verbose(options.verbose);
    arch::x86_64::percpu::init();
    arch::x86_64::syscall_entry::init();
    let protections = arch::x86_64::protection::init();
    time::clock::init();
    let seed = random::init(&info.regions);
    mm::frame::record_total();
    sched::task::set_task_start(entry::task_start);
    sched::timer::set_client_hook(process::timer::fire);
    if options.console_tty {
        // The console is a terminal: a line discipline, and input looked at after every
        // device interrupt (signal characters reach programs that are not reading).
        tty::enable();
        sched::events::set_device_hook(tty::on_device_event);
    }
    klog::verbose(format_args!(
        "user mode: SMEP {}, SMAP {}, random seed from {seed:?}",
        protections.smep, protections.smap
    ));
    process::init::start(cmdline)
}

/// Prints the boot stamps so far as microseconds since the kernel's first instruction
/// (`timings` option), for boots without a report page (QEMU). One extra console line.
fn print_timings() {
    let r = report::current();
    let us = |slot| r.micros_between(stamp::ENTRY, slot, r.tsc_khz).unwrap_or(0);
    println!(
        "boot timings (us since entry, tsc {} kHz): rust {}, cpu tables {}, memory {}, paging {}, heap {}, clock {}, banner {}",
        r.tsc_khz,
        us(stamp::RUST_START),
        us(stamp::CPU_TABLES),
        us(stamp::MEMORY),
        us(stamp::PAGING),
        us(stamp::HEAP),
        us(stamp::CLOCK),
        us(stamp::BANNER),
    );
}

/// Non-present address read by `fault=now`: in the lower half, which the kernel's page
/// tables leave empty.
const FAULT_ADDRESS: u64 = 0xdead_0000;

/// Takes a page fault on purpose (`fault=now`), to exercise the exception path.
fn fault_now() -> ! {
    // SAFETY: deliberately unsound: the read faults (nothing is mapped in the lower half)
    // and the fault handler powers the VM off, so no value is ever produced.
    let value = unsafe { (FAULT_ADDRESS as *const u64).read_volatile() };
    panic!("read of unmapped address {FAULT_ADDRESS:#x} returned {value:#x}");
}

/// Recurses until the boot stack runs into its guard page (`fault=stack`), to exercise the
/// double-fault stack.
#[inline(never)]
fn overflow_stack(depth: u64) -> ! {
    let frame = core::hint::black_box([depth; 64]);
    if core::hint::black_box(depth) == u64::MAX {
        power::power_off(frame[0] as u8);
    }
    overflow_stack(depth + 1)
}
