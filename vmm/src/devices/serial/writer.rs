//! A writer that collects output and writes it out only when told to.

use std::io::{self, Write};

/// Buffers everything written to it; `flush()` does nothing and [`BatchWriter::drain`]
/// writes the batch out.
///
/// `vm-superio` flushes after every byte; honouring that would cost one `write(2)` per
/// character. The serial device instead drains once per VM exit, so output still appears
/// promptly (before the guest runs again) but in whole batches.
pub struct BatchWriter {
    buffer: Vec<u8>,
    out: Box<dyn Write + Send>,
}

impl BatchWriter {
    /// Wraps `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        BatchWriter { buffer: Vec::with_capacity(4096), out }
    }

    /// Writes the collected bytes to the underlying writer. A failing host stream (a closed
    /// pipe) drops the output rather than stopping the guest.
    pub fn drain(&mut self) {
        if !self.buffer.is_empty() {
            let _ = self.out.write_all(&self.buffer).and_then(|_| self.out.flush());
            self.buffer.clear();
        }
    }
}

impl Write for BatchWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BatchWriter {
    fn drop(&mut self) {
        self.drain();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<Vec<u8>>>>);
    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(data.to_vec());
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bytes_leave_in_one_batch_per_drain() {
        let sink = Shared::default();
        let mut w = BatchWriter::new(Box::new(sink.clone()));
        for b in b"hello\n" {
            w.write_all(&[*b]).unwrap();
            w.flush().unwrap();
        }
        assert!(sink.0.lock().unwrap().is_empty());
        w.drain();
        w.drain();
        assert_eq!(*sink.0.lock().unwrap(), vec![b"hello\n".to_vec()]);
    }

    #[test]
    fn drop_drains() {
        let sink = Shared::default();
        let mut w = BatchWriter::new(Box::new(sink.clone()));
        w.write_all(b"bye").unwrap();
        drop(w);
        assert_eq!(*sink.0.lock().unwrap(), vec![b"bye".to_vec()]);
    }
}
