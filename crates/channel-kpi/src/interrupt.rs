//! Cancellation of long calls: a caller-installed hook that loaders and the query loop poll.
//!
//! A binding (Python's Ctrl-C, a GUI's cancel button) runs a long call inside [`with_hook`];
//! the core calls [`check`] once per record or row, and every [`CHECK_EVERY`] calls that runs
//! the hook. When the hook answers `true` the call stops with [`Error::Interrupted`]. Reading a
//! CSV row or folding a record takes about 1 µs, so the hook runs every few milliseconds —
//! well under the 100 ms a person notices.
//!
//! The hook belongs to the thread that runs the call; without one, [`check`] only counts.
//!
//! ```
//! use channel_kpi::{interrupt, Error};
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! let stop = Arc::new(AtomicBool::new(false));
//! let flag = stop.clone();
//! let r = interrupt::with_hook(move || flag.load(Ordering::Relaxed), || {
//!     for i in 0..100_000u64 {
//!         if i == 20_000 { stop.store(true, Ordering::Relaxed); }
//!         interrupt::check()?;
//!     }
//!     Ok::<_, Error>(())
//! });
//! assert!(matches!(r, Err(Error::Interrupted)));
//! ```

use crate::error::{Error, Result};
use std::cell::{Cell, RefCell};

/// [`check`] runs the hook once every this many calls.
pub const CHECK_EVERY: u32 = 4096;

type Hook = Box<dyn Fn() -> bool>;

thread_local! {
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
    static COUNT: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` with `hook` installed on this thread; the previous hook (if any) is restored after.
pub fn with_hook<R>(hook: impl Fn() -> bool + 'static, f: impl FnOnce() -> R) -> R {
    let previous = HOOK.with(|h| h.borrow_mut().replace(Box::new(hook)));
    struct Restore(Option<Option<Hook>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take().flatten();
            let _ = HOOK.try_with(|h| *h.borrow_mut() = prev);
        }
    }
    let _restore = Restore(Some(previous));
    f()
}

/// Counts one unit of work; every [`CHECK_EVERY`] calls asks the hook and returns
/// [`Error::Interrupted`] when it says stop.
#[inline]
pub fn check() -> Result<()> {
    let n = COUNT.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    });
    if n.is_multiple_of(CHECK_EVERY) { poll() } else { Ok(()) }
}

/// Counts `n` units of work at once (a block of rows): [`check`] `n` times, with one
/// thread-local access.
#[inline]
pub fn check_n(n: u32) -> Result<()> {
    let (before, after) = COUNT.with(|c| {
        let before = c.get();
        let after = before.wrapping_add(n);
        c.set(after);
        (before, after)
    });
    if before / CHECK_EVERY != after / CHECK_EVERY || after < before { poll() } else { Ok(()) }
}

/// Asks the hook now (for loops whose steps are long, e.g. a whole batch).
pub fn poll() -> Result<()> {
    let stop = HOOK.with(|h| h.borrow().as_ref().is_some_and(|f| f()));
    if stop { Err(Error::Interrupted) } else { Ok(()) }
}

/// Runs `work(0)` … `work(n − 1)` on scoped threads and returns their results in order. The
/// calling thread's hook is polled every 10 ms meanwhile; when it says stop, the workers'
/// [`check`] calls fail too (they share a stop flag) and this returns [`Error::Interrupted`].
/// A worker that panics gives an error in its slot. The caller wakes as soon as the last
/// worker ends (each says so on a channel), not at the next 10 ms tick.
pub fn scoped<T: Send>(n: usize, work: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<Result<T>>> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let stop = Arc::new(AtomicBool::new(false));
    let work = &work;
    let (done, ended) = channel::<()>();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let flag = stop.clone();
                let done = done.clone();
                s.spawn(move || {
                    // says "ended" also when `work` panics (dropped while unwinding)
                    struct Ended(std::sync::mpsc::Sender<()>);
                    impl Drop for Ended {
                        fn drop(&mut self) {
                            let _ = self.0.send(());
                        }
                    }
                    let _ended = Ended(done);
                    with_hook(move || flag.load(Ordering::Relaxed), || work(i))
                })
            })
            .collect();
        drop(done);
        let (mut interrupted, mut left) = (false, n);
        while left > 0 {
            match ended.recv_timeout(std::time::Duration::from_millis(10)) {
                Ok(()) => left -= 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if !interrupted && poll().is_err() {
                stop.store(true, Ordering::Relaxed);
                interrupted = true;
            }
        }
        let out: Vec<Result<T>> =
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a worker thread panicked".into())))).collect();
        if interrupted { Err(Error::Interrupted) } else { Ok(out) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn stops_within_check_every_calls_and_restores_the_previous_hook() {
        let calls = Rc::new(Cell::new(0u32));
        let c = calls.clone();
        let r = with_hook(
            move || {
                c.set(c.get() + 1);
                true
            },
            || -> Result<u32> {
                for i in 0..10 * CHECK_EVERY {
                    check().map_err(|_| Error::Query(format!("stopped at {i}")))?;
                }
                Ok(0)
            },
        );
        let i: u32 = r.unwrap_err().reason().unwrap()["stopped at ".len()..].parse().unwrap();
        assert!(i < CHECK_EVERY, "stopped after {i} calls");
        assert_eq!(calls.get(), 1);
        // No hook installed any more: nothing stops.
        for _ in 0..3 * CHECK_EVERY {
            check().unwrap();
        }
        poll().unwrap();
    }

    /// Counting blocks of 64 asks the hook as often as counting one by one: every
    /// [`CHECK_EVERY`] units.
    #[test]
    fn check_n_asks_the_hook_every_check_every_units() {
        let calls = Rc::new(Cell::new(0u32));
        let c = calls.clone();
        let r = with_hook(
            move || {
                c.set(c.get() + 1);
                false
            },
            || -> Result<()> {
                for _ in 0..(10 * CHECK_EVERY / 64) {
                    check_n(64)?;
                }
                Ok(())
            },
        );
        r.unwrap();
        assert!((9..=11).contains(&calls.get()), "asked {} times for 10 × CHECK_EVERY units", calls.get());
        let stop = with_hook(|| true, || (0..CHECK_EVERY / 64 + 1).try_for_each(|_| check_n(64)));
        assert!(matches!(stop, Err(Error::Interrupted)));
    }

    #[test]
    fn scoped_workers_stop_when_the_callers_hook_says_so() {
        let ok = scoped(3, |i| Ok(i * 2)).unwrap();
        assert_eq!(ok.into_iter().map(|r| r.unwrap()).collect::<Vec<_>>(), vec![0, 2, 4]);
        let started = std::time::Instant::now();
        let r = with_hook(
            move || started.elapsed().as_millis() > 50,
            || {
                scoped::<()>(2, |_| {
                    loop {
                        check()?;
                    }
                })
            },
        );
        assert!(matches!(r, Err(Error::Interrupted)));
        assert!(started.elapsed().as_secs() < 5);
    }
}
