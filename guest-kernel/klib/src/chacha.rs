//! The ChaCha block function (RFC 8439 section 2.3; Bernstein, "ChaCha, a variant of
//! Salsa20") and a fast-key-erasure generator on it (Bernstein, "Fast-key-erasure random-
//! number generators", 2017; Linux drivers/char/random.c `crng_fast_key_erasure`): the
//! kernel's CSPRNG for `getrandom(2)` and exec's `AT_RANDOM`.
//!
//! Written here rather than taken from a crate: the block function is 40 lines, and the
//! kernel needs the generator's structure (erasure, batching) more than a cipher API
//! (`rand_chacha` and `chacha20` bring traits and features a no_std kernel does not use).
//!
//! Cost: the kernel's instructions are emulated on the project's hosts (~1 µs each), and a
//! 20-round block is about 1,200 of them. The generator therefore keeps the 32 output
//! bytes of each key-erasure block and serves short requests from them (Linux batches
//! `get_random_u32`/`u64` output the same way); served bytes are wiped.

/// "expand 32-byte k".
const CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Double rounds of the block function (ChaCha20).
pub const DOUBLE_ROUNDS: usize = 10;

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// One 64-byte ChaCha20 block for `key`, block `counter` and `nonce` (RFC 8439 layout:
/// 32-bit counter, 96-bit nonce).
pub fn block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u8; 64] {
    let mut input = [0u32; 16];
    input[..4].copy_from_slice(&CONSTANTS);
    input[4..12].copy_from_slice(key);
    input[12] = counter;
    input[13..].copy_from_slice(nonce);
    let mut s = input;
    for _ in 0..DOUBLE_ROUNDS {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[4 * i..4 * i + 4].copy_from_slice(&s[i].wrapping_add(input[i]).to_le_bytes());
    }
    out
}

/// Bytes one refill makes available: one block per key erasure, its first half the next
/// key, its second half output. One block: the kernel's main consumer is exec's 16-byte
/// AT_RANDOM, and a block costs ~1,200 emulated instructions, so a bigger batch would make
/// the first exec pay for bytes nobody may use.
const BUFFER_LEN: usize = 32;

/// A fast-key-erasure generator: each refill derives the next key from the current one
/// (which is then gone, so earlier output cannot be recomputed from a later state) and
/// buffers the rest of the output.
pub struct Generator {
    key: [u32; 8],
    buffer: [u8; BUFFER_LEN],
    /// Bytes of `buffer` not handed out yet: `buffer[BUFFER_LEN - available..]`.
    available: usize,
}

impl Generator {
    /// A generator keyed with `seed` (32 bytes of entropy or more; longer seeds are folded
    /// in with XOR, which keeps the key uniform if any part is).
    pub fn new(seed: &[u8]) -> Self {
        let mut key_bytes = [0u8; 32];
        for (i, b) in seed.iter().enumerate() {
            key_bytes[i % 32] ^= b;
        }
        let mut key = [0u32; 8];
        for (k, chunk) in key.iter_mut().zip(key_bytes.as_chunks::<4>().0) {
            *k = u32::from_le_bytes(*chunk);
        }
        Generator { key, buffer: [0; BUFFER_LEN], available: 0 }
    }

    /// Replaces the key and refills the buffer.
    fn refill(&mut self) {
        let first = block(&self.key, 0, &[0; 3]);
        self.buffer.copy_from_slice(&first[32..]);
        for (k, chunk) in self.key.iter_mut().zip(first[..32].as_chunks::<4>().0) {
            *k = u32::from_le_bytes(*chunk);
        }
        self.available = BUFFER_LEN;
    }

    /// Fills `out` with random bytes; the bytes used are wiped from the buffer.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut done = 0;
        while done < out.len() {
            if self.available == 0 {
                self.refill();
            }
            let start = BUFFER_LEN - self.available;
            let n = self.available.min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.buffer[start..start + n]);
            self.buffer[start..start + n].fill(0);
            self.available -= n;
            done += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8439_block_test_vector() {
        // RFC 8439 section 2.3.2.
        let key: [u32; 8] = core::array::from_fn(|i| {
            let b = 4 * i as u32;
            u32::from_le_bytes([b as u8, b as u8 + 1, b as u8 + 2, b as u8 + 3])
        });
        let nonce = [0x0900_0000, 0x4a00_0000, 0];
        let out = block(&key, 1, &nonce);
        assert_eq!(
            out[..16],
            [
                0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20,
                0x71, 0xc4
            ]
        );
        assert_eq!(out[60..], [0xa2, 0x50, 0x3c, 0x4e]);
    }

    #[test]
    fn generator_erases_and_varies() {
        let mut g = Generator::new(&[7u8; 64]);
        let key0 = g.key;
        let mut a = [0u8; 16];
        let mut b = [0u8; 16];
        g.fill(&mut a);
        assert_ne!(g.key, key0, "the key changes at each refill");
        g.fill(&mut b);
        assert_ne!(a, b);
        assert!(g.buffer[..32].iter().all(|&x| x == 0), "served bytes are wiped");
        let mut big = [0u8; 1000];
        g.fill(&mut big);
        assert!(big.iter().filter(|&&x| x == 0).count() < 20);
        let mut same = Generator::new(&[7u8; 64]);
        let mut c = [0u8; 16];
        same.fill(&mut c);
        assert_eq!(a, c, "deterministic for a seed");
    }
}
