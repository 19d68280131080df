//! Futexes as pure rules (futex(2); Linux `kernel/futex/syscalls.c`, `waitwake.c`,
//! `requeue.c`): decoding the operation word (`op`), the `FUTEX_WAKE_OP` operation and
//! comparison (`wake_op`), which key a futex word has (`Key`) and the wait queues keyed
//! by it (`queues`). The kernel only reads and writes the user word and sleeps.

pub mod op;
pub mod queues;
pub mod wake_op;

pub use op::{Cmd, Op, wake_count};
pub use queues::{Key, KindOfKey, Queues, key_kind};
pub use wake_op::WakeOp;
