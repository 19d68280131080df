//! A `Read + Seek + ReadVolatile` view of an in-memory image, which `linux-loader` needs.
//!
//! vm-memory implements `ReadVolatile` for `&[u8]` but not for `Cursor`, and the loader
//! seeks, so this small type supplies both over one byte slice.

use std::io::{self, Read, Seek, SeekFrom};

use vm_memory::ReadVolatile;
use vm_memory::bitmap::BitmapSlice;
use vm_memory::volatile_memory::{Error as VolatileError, VolatileSlice};

/// A cursor over a kernel image held in memory.
pub struct ImageReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ImageReader<'a> {
    /// A reader positioned at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        ImageReader { data, pos: 0 }
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }
}

impl Read for ImageReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.rest().read(buf)?;
        self.pos += n;
        Ok(n)
    }
}

impl Seek for ImageReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => (self.pos as u64).checked_add_signed(d),
        };
        let target = target.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.pos =
            usize::try_from(target).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        Ok(target)
    }
}

impl ReadVolatile for ImageReader<'_> {
    fn read_volatile<B: BitmapSlice>(
        &mut self,
        buf: &mut VolatileSlice<B>,
    ) -> Result<usize, VolatileError> {
        let mut rest = self.rest();
        let n = rest.read_volatile(buf)?;
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_seeks() {
        let mut r = ImageReader::new(b"0123456789");
        let mut buf = [0u8; 3];
        r.seek(SeekFrom::Start(4)).unwrap();
        r.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"456");
        r.seek(SeekFrom::Current(-2)).unwrap();
        r.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"567");
        r.seek(SeekFrom::End(-1)).unwrap();
        assert_eq!(r.read(&mut buf).unwrap(), 1);
    }

    #[test]
    fn seeking_past_end_reads_nothing_and_before_start_fails() {
        let mut r = ImageReader::new(b"abc");
        r.seek(SeekFrom::Start(100)).unwrap();
        assert_eq!(r.read(&mut [0u8; 4]).unwrap(), 0);
        assert!(r.seek(SeekFrom::Current(-1000)).is_err());
    }

    #[test]
    fn reads_into_volatile_memory() {
        let mut backing = [0u8; 4];
        let slice = VolatileSlice::from(&mut backing[..]);
        let mut r = ImageReader::new(b"xyzw!");
        r.seek(SeekFrom::Start(1)).unwrap();
        assert_eq!(r.read_volatile(&mut slice.clone()).unwrap(), 4);
        assert_eq!(&backing, b"yzw!");
    }
}
