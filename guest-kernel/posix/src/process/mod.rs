//! Processes as the UNIX model defines them: ids, the parent/child tree, process groups,
//! sessions, and what a parent's `wait` sees. Resources (address spaces, files) belong to
//! the kernel; the relationships and their rules are here.

pub mod clone;
pub mod pid;
pub mod status;
pub mod table;
pub mod wait_request;

#[cfg(test)]
mod tests;

pub use clone::CloneRequest;
pub use pid::Pid;
pub use status::ChildEvent;
pub use table::{Effects, INIT, Table, WaitFlags, WaitSpec};
pub use wait_request::WaitRequest;
