#![no_main]
//! See channel_kpi_fuzz_harness::c_api.
libfuzzer_sys::fuzz_target!(|data: &[u8]| channel_kpi_fuzz_harness::c_api(data));
