#![no_main]
//! See channel_kpi_fuzz_harness::render.
libfuzzer_sys::fuzz_target!(|data: &[u8]| channel_kpi_fuzz_harness::render(data));
