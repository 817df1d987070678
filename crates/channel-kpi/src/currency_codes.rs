//! The ISO 4217 currency codes (list A, current funds and the X- codes for precious metals,
//! special drawing rights, testing and "no currency"), sorted for binary search.
//! [`crate::Currency::new`] accepts only these: `XYZ` or `DOL` is a typo, not a currency.

/// Every accepted code, sorted.
pub const CODES: [&str; 182] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB",
    "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF",
    "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF",
    "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU",
    "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU",
    "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD",
    "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// [`CODES`] as big-endian numbers (same order), searched without a string comparison per
/// step: every amount of a load checks its currency.
const KEYS: [u32; CODES.len()] = {
    let mut k = [0u32; CODES.len()];
    let mut i = 0;
    while i < CODES.len() {
        let b = CODES[i].as_bytes();
        k[i] = key(b[0], b[1], b[2]);
        i += 1;
    }
    k
};

const fn key(a: u8, b: u8, c: u8) -> u32 {
    (a as u32) << 16 | (b as u32) << 8 | c as u32
}

/// Whether `code` (upper case) is an ISO 4217 code.
pub fn is_iso(code: &str) -> bool {
    match code.as_bytes() {
        &[a, b, c] => KEYS.binary_search(&key(a, b, c)).is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_and_known() {
        assert!(super::CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(super::KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::CODES.iter().all(|c| super::is_iso(c)));
        assert!(!super::is_iso("US") && !super::is_iso("USDX") && !super::is_iso("usd"));
        assert!(super::is_iso("USD") && super::is_iso("BRL") && !super::is_iso("XYZ") && !super::is_iso("DOL"));
    }
}
