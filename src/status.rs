//! Status codes: stable numbers shared by every language. `tests/vectors/statuses.json` is the one
//! table (name, code, httpStatus, family); `tests/statuses.rs` holds this enum, the C header and
//! docs/design.md to it. Never reuse or renumber one.

/// The outcome of an operation. The numbers are part of the C ABI (`evf_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Status {
    Ok = 0,
    NullArgument = 1,
    InvalidOptions = 2,
    Internal = 3,
    HeaderMissing = 10,
    HeaderMalformed = 11,
    HeaderTimestampInvalid = 12,
    SignatureMismatch = 13,
    TimestampTooOld = 14,
    TimestampInFuture = 15,
    BodyTooLarge = 20,
    BodyNotUtf8 = 21,
    BodyNotJson = 22,
    EventInvalid = 23,
    StateInvalid = 30,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 15] = [
        Status::Ok,
        Status::NullArgument,
        Status::InvalidOptions,
        Status::Internal,
        Status::HeaderMissing,
        Status::HeaderMalformed,
        Status::HeaderTimestampInvalid,
        Status::SignatureMismatch,
        Status::TimestampTooOld,
        Status::TimestampInFuture,
        Status::BodyTooLarge,
        Status::BodyNotUtf8,
        Status::BodyNotJson,
        Status::EventInvalid,
        Status::StateInvalid,
    ];

    /// The stable number.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The status for a number, if there is one.
    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The name used in result JSON and by `evf_status_name`, e.g. `SIGNATURE_MISMATCH`.
    pub fn name(self) -> &'static str {
        // The C-string table is the single source; every name is ASCII.
        self.c_name().to_str().unwrap_or("INTERNAL")
    }

    /// The name as a NUL-terminated string with static lifetime.
    pub fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            Status::Ok => c"OK",
            Status::NullArgument => c"NULL_ARGUMENT",
            Status::InvalidOptions => c"INVALID_OPTIONS",
            Status::Internal => c"INTERNAL",
            Status::HeaderMissing => c"HEADER_MISSING",
            Status::HeaderMalformed => c"HEADER_MALFORMED",
            Status::HeaderTimestampInvalid => c"HEADER_TIMESTAMP_INVALID",
            Status::SignatureMismatch => c"SIGNATURE_MISMATCH",
            Status::TimestampTooOld => c"TIMESTAMP_TOO_OLD",
            Status::TimestampInFuture => c"TIMESTAMP_IN_FUTURE",
            Status::BodyTooLarge => c"BODY_TOO_LARGE",
            Status::BodyNotUtf8 => c"BODY_NOT_UTF8",
            Status::BodyNotJson => c"BODY_NOT_JSON",
            Status::EventInvalid => c"EVENT_INVALID",
            Status::StateInvalid => c"STATE_INVALID",
        }
    }

    /// The HTTP status a shop should answer Everifin with.
    ///
    /// 4xx tells Everifin not to retry (the request itself is wrong); 5xx asks for a retry (the
    /// shop's configuration or state is at fault, and a fixed shop can still take the event).
    pub fn http_status(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::NullArgument
            | Status::InvalidOptions
            | Status::Internal
            | Status::StateInvalid => 500,
            Status::HeaderMissing
            | Status::HeaderMalformed
            | Status::HeaderTimestampInvalid
            | Status::SignatureMismatch
            | Status::TimestampTooOld
            | Status::TimestampInFuture => 401,
            Status::BodyTooLarge => 413,
            Status::BodyNotUtf8 | Status::BodyNotJson | Status::EventInvalid => 400,
        }
    }
}

impl Status {
    /// The exception family every binding raises this status as (`None` for `OK`):
    /// `signature`, `timestamp`, `body`, `configuration`, `state` or `internal`.
    pub fn family(self) -> Option<&'static str> {
        Some(match self {
            Status::Ok => return None,
            Status::NullArgument | Status::Internal => "internal",
            Status::InvalidOptions => "configuration",
            Status::HeaderMissing
            | Status::HeaderMalformed
            | Status::HeaderTimestampInvalid
            | Status::SignatureMismatch => "signature",
            Status::TimestampTooOld | Status::TimestampInFuture => "timestamp",
            Status::BodyTooLarge
            | Status::BodyNotUtf8
            | Status::BodyNotJson
            | Status::EventInvalid => "body",
            Status::StateInvalid => "state",
        })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert!(names.insert(s.name()));
        }
        assert_eq!(Status::from_code(4), None);
        assert_eq!(Status::from_code(-1), None);
    }
}
