//! Event-loop glue for virtio-blk: the queue's notification eventfd drives the device.

use event_manager::{EventOps, Events, MutEventSubscriber};
use vmm_sys_util::epoll::EventSet;

use super::Block;

/// Event token: the driver notified the request queue (its ioeventfd fired).
pub const QUEUE_AVAIL_EVENT: u32 = 0;

impl MutEventSubscriber for Block {
    fn process(&mut self, events: Events, _ops: &mut EventOps) {
        if events.data() == QUEUE_AVAIL_EVENT {
            // Reading resets the counter; the queue itself says how much work there is.
            let _ = self.queue_event().read();
            self.process_queue();
        }
    }

    fn init(&mut self, ops: &mut EventOps) {
        let events = Events::with_data(self.queue_event(), QUEUE_AVAIL_EVENT, EventSet::IN);
        if let Err(e) = ops.add(events) {
            // Without it the disk never answers; say why on the vmm's diagnostics stream.
            eprintln!(
                "vmm: virtio-blk {}: cannot watch the queue: {e:?}",
                self.disk().path().display()
            );
        }
    }
}
