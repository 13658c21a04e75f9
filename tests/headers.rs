//! The committed headers must be exactly what build.rs generates from src/ffi.rs.

fn check(committed_path: &str, generated: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let committed = std::fs::read_to_string(format!("{root}/{committed_path}"))
        .unwrap_or_else(|e| panic!("{committed_path} is missing ({e}); run `make headers`"));
    if committed == generated {
        return;
    }
    let (line, ours, theirs) = committed
        .lines()
        .zip(generated.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i + 1, a, b))
        .unwrap_or((
            committed.lines().count().min(generated.lines().count()) + 1,
            "",
            "",
        ));
    panic!(
        "{committed_path} is not what build.rs generates from src/ffi.rs (the header was edited \
         by hand, or src/ffi.rs changed without `make headers`); first difference at line \
         {line}:\n  committed: {ours}\n  generated: {theirs}\nrun `make headers` and commit the \
         header (a change belongs in src/ffi.rs or build.rs, never in the header)"
    );
}

#[test]
fn c_header_is_fresh() {
    check(
        "include/everifin_webhook.h",
        include_str!(concat!(env!("OUT_DIR"), "/everifin_webhook.h")),
    );
}

#[test]
fn php_header_is_fresh_and_free_of_preprocessor_lines() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/everifin_webhook_php.h"));
    assert!(!generated.lines().any(|l| l.trim_start().starts_with('#')));
    assert!(generated.contains("evf_verifier_process("));
    check("bindings/php/include/everifin_webhook.h", generated);
}

#[test]
fn c_header_carries_the_crate_version() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/everifin_webhook.h"));
    let version = env!("CARGO_PKG_VERSION");
    assert!(header.contains(&format!("#define EVF_VERSION \"{version}\"")));
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    assert!(header.contains(&format!("#define EVF_VERSION_MAJOR {major}\n")));
}
