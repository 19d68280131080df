//! The device event loop: an `event-manager` epoll loop on its own thread.
//!
//! Devices whose work is driven by host file descriptors (stdin, disk completion, queue
//! notification eventfds) subscribe here, so the vCPU thread only handles guest exits. The
//! loop stops when [`EventLoop::stop`] signals its stop eventfd.

use std::sync::Arc;
use std::thread::JoinHandle;

use event_manager::{EventManager, EventOps, EventSubscriber, Events, SubscriberOps};
use vmm_sys_util::epoll::EventSet;
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

/// A subscriber shared between the loop and whoever created it; a device with mutable
/// state passes `Arc<Mutex<Device>>` (event-manager implements `EventSubscriber` for
/// `Mutex<impl MutEventSubscriber>`).
pub type Subscriber = Arc<dyn EventSubscriber + Send + Sync>;

/// Why the loop could not start.
#[derive(Debug, thiserror::Error)]
pub enum EventLoopError {
    /// Creating the epoll instance or the stop eventfd failed.
    #[error("creating the device event loop: {0}")]
    Create(std::io::Error),
    /// Spawning the thread failed.
    #[error("starting the device event loop thread: {0}")]
    Spawn(std::io::Error),
}

/// Ends the loop when its eventfd fires.
struct StopHandler {
    evt: EventFd,
    stopped: std::sync::atomic::AtomicBool,
}

impl EventSubscriber for StopHandler {
    fn process(&self, _events: Events, _ops: &mut EventOps) {
        let _ = self.evt.read();
        self.stopped.store(true, std::sync::atomic::Ordering::Release);
    }

    fn init(&self, ops: &mut EventOps) {
        // Registration only fails on a closed epoll fd, which cannot happen during init.
        let _ = ops.add(Events::new(&self.evt, EventSet::IN));
    }
}

/// A running event loop.
pub struct EventLoop {
    stop_evt: EventFd,
    thread: Option<JoinHandle<()>>,
}

impl EventLoop {
    /// Starts the loop with `subscribers` registered.
    pub fn start(subscribers: Vec<Subscriber>) -> Result<Self, EventLoopError> {
        let create = |e: std::io::Error| EventLoopError::Create(e);
        let mut manager: EventManager<Arc<dyn EventSubscriber + Send + Sync>> =
            EventManager::new().map_err(|e| create(std::io::Error::other(format!("{e:?}"))))?;
        let stop_evt = EventFd::new(EFD_NONBLOCK).map_err(create)?;
        let stop = Arc::new(StopHandler {
            evt: stop_evt.try_clone().map_err(create)?,
            stopped: false.into(),
        });
        manager.add_subscriber(stop.clone());
        for subscriber in subscribers {
            manager.add_subscriber(subscriber);
        }
        let thread = std::thread::Builder::new()
            .name("vmm-events".into())
            .spawn(move || {
                while !stop.stopped.load(std::sync::atomic::Ordering::Acquire) {
                    if manager.run().is_err() {
                        break;
                    }
                }
            })
            .map_err(EventLoopError::Spawn)?;
        Ok(EventLoop { stop_evt, thread: Some(thread) })
    }

    /// Stops the loop and waits for its thread.
    pub fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.stop_evt.write(1);
            let _ = thread.join();
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_manager::MutEventSubscriber;
    use std::sync::Mutex;

    /// Counts readiness of an eventfd it owns.
    struct Counter {
        evt: EventFd,
        seen: Arc<std::sync::atomic::AtomicU32>,
    }

    impl MutEventSubscriber for Counter {
        fn process(&mut self, _events: Events, _ops: &mut EventOps) {
            let _ = self.evt.read();
            self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        fn init(&mut self, ops: &mut EventOps) {
            ops.add(Events::new(&self.evt, EventSet::IN)).unwrap();
        }
    }

    #[test]
    fn delivers_events_and_stops() {
        let seen = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let evt = EventFd::new(EFD_NONBLOCK).unwrap();
        let counter = Counter { evt: evt.try_clone().unwrap(), seen: seen.clone() };
        let mut event_loop = EventLoop::start(vec![Arc::new(Mutex::new(counter))]).unwrap();
        evt.write(1).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while seen.load(std::sync::atomic::Ordering::SeqCst) == 0
            && std::time::Instant::now() < deadline
        {
            std::thread::yield_now();
        }
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
        event_loop.stop();
    }
}
