//! Fingerprints: FNV-1a 64 of bytes or of a value's canonical JSON (stable across builds and
//! machines, not cryptographic), and their hex form.

use serde::Serialize;

/// FNV-1a 64 over bytes written to it.
pub(super) struct Fnv(pub(super) u64);
impl Fnv {
    pub(super) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.feed(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.feed(bytes);
    h.0
}

/// FNV-1a 64 of a value's JSON form, streamed (no allocation of the text).
pub(super) fn fingerprint_of<T: Serialize>(v: &T) -> u64 {
    let mut h = Fnv::new();
    // Writing into Fnv never fails; serializing these types never fails either.
    let _ = serde_json::to_writer(&mut h, v);
    h.0
}

/// A fingerprint as 16 hex digits (`none` when absent).
pub(super) fn hex(f: Option<u64>) -> String {
    f.map_or_else(|| "none".into(), |f| format!("{f:016x}"))
}
