//! The progress bar of long loads (stderr, only when it is a terminal): per file, the bytes read
//! of the file's size, the rows, MB/s and the time left. indicatif draws it (at most 20 times a
//! second) and clears it when the load ends.

use channel_kpi::load::{Progress, ProgressFn};
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::{Arc, Mutex};

pub struct Bar {
    bar: ProgressBar,
    /// The file the bar shows (a new file restarts it).
    file: Arc<Mutex<String>>,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:25}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        Bar { bar, file: Arc::default() }
    }

    /// The loader's callback, drawing on this bar.
    pub fn callback(&self) -> ProgressFn {
        let (bar, file) = (self.bar.clone(), self.file.clone());
        Arc::new(move |p: &Progress<'_>| {
            let mut current = file.lock().unwrap_or_else(|e| e.into_inner());
            if *current != p.file {
                *current = p.file.to_string();
                bar.reset();
                bar.set_length(p.total_bytes.unwrap_or(0));
                let name = std::path::Path::new(p.file).file_name().map_or(p.file.into(), |n| n.to_string_lossy());
                bar.set_prefix(format!("reading {name}"));
            }
            bar.set_position(p.bytes);
            bar.set_message(format!("{} rows", HumanCount(p.rows)));
        })
    }

    /// Removes the bar from the terminal.
    pub fn clear(self) {
        self.bar.finish_and_clear();
    }
}
