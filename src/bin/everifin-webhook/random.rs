//! Random test data (event ids, run ids, the forger's secret), from the operating system's
//! generator through the `uuid` crate.

use uuid::Uuid;

/// A random UUID (version 4), lower-case.
pub fn uuid_v4() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// `n` random lower-case hex digits (n <= 64).
pub fn hex(n: usize) -> String {
    let s = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    s[..n.min(s.len())].to_owned()
}
