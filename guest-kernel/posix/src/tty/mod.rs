//! The terminal's rules as pure logic: the settings and their layout (`termios`), the
//! line discipline's input side (`ldisc`: editing, echo, signal characters), output
//! processing (`output`), how long a read waits (`read_plan`) and job control at the
//! terminal (`job`). The kernel's `tty` module holds the one terminal's state and wires
//! these to the console device and to processes.

pub mod job;
pub mod ldisc;
pub mod output;
pub mod read_plan;
pub mod termios;

#[cfg(test)]
mod tests;
