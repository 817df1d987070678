//! The table of live handles. A handle given to C is not an address: it packs a slot index
//! and that slot's generation (`(generation << INDEX_BITS) | (index + 1)`, never NULL). Freeing
//! a handle empties its slot and bumps the generation, so the old handle — and any forged
//! value — no longer matches anything: `CKPI_INVALID_HANDLE`, even after the slot (or the
//! memory of the object) is reused by a new handle. A slot whose generation would wrap is
//! retired for good, so a handle value is never issued twice.
//!
//! No process-wide lock on the hot path: a lookup takes only its own slot's read lock (many
//! threads may look up one handle at once) and clones an `Arc`, which keeps the object alive
//! while a call uses it even if another thread frees the handle meanwhile. The free-slot list
//! has a lock, taken only by `*_new` and `*_free`. Slots live in segments of doubling size
//! (64, 128, 256, …) that are never moved, so a slot's address is stable without a table lock.
//! The free list is threaded through the slots (it allocates nothing) and segment 0 is inline
//! in the static table, so a program with few live handles leaves no heap block of ours
//! behind (valgrind reports nothing, not even "still reachable").

use crate::status::ckpi_status;
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

type Object = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct Slot {
    generation: usize,
    value: Option<Object>,
    /// When free: the next free slot (`NONE` = the end of the list).
    next_free: usize,
}

const NONE: usize = usize::MAX;

/// Bits of a handle that hold the slot index + 1 (the rest hold the generation).
const INDEX_BITS: u32 = usize::BITS / 2;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// The largest generation a handle can carry; a slot that reaches it is retired.
const MAX_GENERATION: usize = usize::MAX >> INDEX_BITS;
/// Slots in segment 0; segment `s` holds `FIRST << s`.
const FIRST: usize = 64;
const SEGMENTS: usize = (usize::BITS / 2) as usize;

struct Table {
    /// Segment 0, inline.
    first: [RwLock<Slot>; FIRST],
    /// Segments 1.., allocated when first needed.
    more: [OnceLock<Box<[RwLock<Slot>]>>; SEGMENTS - 1],
    /// Slots never used yet start at this index.
    next: AtomicUsize,
    /// The first freed slot (reused last-in first-out; generation already bumped), or `NONE`.
    free: Mutex<usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table {
        first: std::array::from_fn(|_| RwLock::default()),
        more: std::array::from_fn(|_| OnceLock::new()),
        next: AtomicUsize::new(0),
        free: Mutex::new(NONE),
    })
}

/// Segment and offset of slot `i`: segment `s` starts at `FIRST × (2^s − 1)`.
fn locate(i: usize) -> (usize, usize) {
    let s = (i / FIRST + 1).ilog2() as usize;
    (s, i - FIRST * ((1 << s) - 1))
}

impl Table {
    /// Slot `i`, if its segment exists (`create`: make it).
    fn slot(&self, i: usize, create: bool) -> Option<&RwLock<Slot>> {
        let (s, off) = locate(i);
        if s == 0 {
            return self.first.get(off);
        }
        let seg = self.more.get(s - 1)?;
        let seg = if create { seg.get_or_init(|| (0..FIRST << s).map(|_| RwLock::default()).collect()) } else { seg.get()? };
        seg.get(off)
    }

    /// Takes a slot off the free list.
    fn pop_free(&self) -> Option<usize> {
        let mut head = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let i = Some(*head).filter(|&i| i != NONE)?;
        *head = self.slot(i, false).map_or(NONE, |s| write(s).next_free);
        Some(i)
    }

    /// Puts slot `i` on the free list.
    fn push_free(&self, i: usize) {
        let mut head = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = self.slot(i, false) {
            write(s).next_free = *head;
            *head = i;
        }
    }
}

fn write(slot: &RwLock<Slot>) -> std::sync::RwLockWriteGuard<'_, Slot> {
    // A slot is updated by single assignments: a poisoned lock still holds a consistent slot.
    slot.write().unwrap_or_else(|e| e.into_inner())
}

/// Registers a new object and returns the handle handed to C.
pub(crate) fn register<T: Any + Send + Sync, H>(value: T) -> *mut H {
    let t = table();
    let i = t.pop_free().unwrap_or_else(|| t.next.fetch_add(1, Ordering::Relaxed));
    // 2^32 - 1 live handles (2^16 - 1 on 32-bit targets): a panic, which the boundary turns
    // into CKPI_PANIC.
    let slot = t.slot(i, true).filter(|_| i < INDEX_MASK).expect("the handle table is full");
    let mut s = write(slot);
    s.value = Some(Arc::new(value));
    ((s.generation << INDEX_BITS) | (i + 1)) as *mut H
}

/// The slot and generation a handle names (no check that it is live).
fn decode<H>(h: *const H) -> Option<(&'static RwLock<Slot>, usize)> {
    let raw = h as usize;
    let i = (raw & INDEX_MASK).checked_sub(1)?;
    Some((table().slot(i, false)?, raw >> INDEX_BITS))
}

/// The live object of type `T` behind handle `h`: `CKPI_INVALID_HANDLE` when `h` was freed,
/// forged or is another kind of handle. The `Arc` keeps it alive for the call.
pub(crate) fn lookup<T: Any + Send + Sync, H>(h: *const H) -> Result<Arc<T>, ckpi_status> {
    if h.is_null() {
        return Err(ckpi_status::CKPI_NULL_ARGUMENT);
    }
    let (slot, generation) = decode(h).ok_or(ckpi_status::CKPI_INVALID_HANDLE)?;
    let any = {
        let s = slot.read().unwrap_or_else(|e| e.into_inner());
        s.value.as_ref().filter(|_| s.generation == generation).cloned().ok_or(ckpi_status::CKPI_INVALID_HANDLE)?
    };
    any.downcast::<T>().map_err(|_| ckpi_status::CKPI_INVALID_HANDLE)
}

/// Frees handle `h` if it is a live handle of type `T` (else a no-op): empties the slot, bumps
/// its generation and gives it back for reuse (unless the generation is exhausted). Returns
/// whether it freed something. The object is dropped when the last call using it returns.
pub(crate) fn unregister<T: Any + Send + Sync, H>(h: *const H) -> bool {
    let Some((slot, generation)) = decode(h) else { return false };
    let obj = {
        let mut s = write(slot);
        if s.generation != generation || !s.value.as_ref().is_some_and(|v| v.is::<T>()) {
            return false;
        }
        s.generation += 1;
        let retired = s.generation > MAX_GENERATION;
        let obj = s.value.take();
        drop(s);
        if !retired {
            table().push_free((h as usize & INDEX_MASK) - 1);
        }
        obj
    };
    drop(obj);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_index_space_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(63), (0, 63));
        assert_eq!(locate(64), (1, 0));
        assert_eq!(locate(191), (1, 127));
        assert_eq!(locate(192), (2, 0));
        let (s, off) = locate(INDEX_MASK - 1);
        assert!(s < SEGMENTS && off < FIRST << s);
    }

    #[test]
    fn a_freed_handle_stays_invalid_when_its_slot_is_reused() {
        struct Thing(u32);
        let a = register::<Thing, u8>(Thing(1));
        assert_eq!(lookup::<Thing, u8>(a).unwrap().0, 1);
        assert!(unregister::<Thing, u8>(a));
        assert!(!unregister::<Thing, u8>(a), "a second free is a no-op");
        let b = register::<Thing, u8>(Thing(2));
        assert_eq!(a as usize & INDEX_MASK, b as usize & INDEX_MASK, "LIFO reuse: same slot");
        assert_ne!(a, b);
        assert_eq!(lookup::<Thing, u8>(a).err(), Some(ckpi_status::CKPI_INVALID_HANDLE));
        assert_eq!(lookup::<Thing, u8>(b).unwrap().0, 2);
        assert_eq!(lookup::<Thing, u8>(0x7777_0000_1234usize as *const u8).err(), Some(ckpi_status::CKPI_INVALID_HANDLE));
        assert_eq!(lookup::<u64, u8>(b).err(), Some(ckpi_status::CKPI_INVALID_HANDLE), "another kind");
        assert!(unregister::<Thing, u8>(b));
    }
}
