//! The power-off port (`vmm_abi::EXIT_PORT`), compatible with QEMU's `isa-debug-exit`.

use vmm_abi::exit::ExitRequest;

use super::{BusDevice, DeviceAction};

/// Stops the VM when the guest writes a 32-bit value to it.
#[derive(Default)]
pub struct ExitPort;

impl BusDevice for ExitPort {
    fn read(&mut self, _offset: u64, data: &mut [u8]) {
        data.fill(0xff);
    }

    /// Only a full 32-bit write at offset 0 counts, as for `isa-debug-exit` with
    /// `iosize=4`; anything else is ignored rather than guessed at.
    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
        match <[u8; 4]>::try_from(data) {
            Ok(bytes) if offset == 0 => {
                DeviceAction::Exit(ExitRequest::decode(u32::from_le_bytes(bytes)))
            }
            _ => DeviceAction::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dword_write_exits_with_status() {
        let mut port = ExitPort;
        assert_eq!(port.write(0, &7u32.to_le_bytes()), DeviceAction::Exit(ExitRequest::Status(7)));
    }

    #[test]
    fn partial_or_misplaced_writes_are_ignored() {
        let mut port = ExitPort;
        assert_eq!(port.write(0, &[7]), DeviceAction::None);
        assert_eq!(port.write(1, &7u32.to_le_bytes()), DeviceAction::None);
    }
}
