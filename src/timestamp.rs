//! Strict RFC 3339 UTC timestamps, as Everifin writes them (`2024-01-09T13:08:48.069Z`).
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS`, an optional `.` with 1 to 9 digits, then `Z`, `+00:00` or
//! `-00:00`. Calendar validity (month lengths, leap years) is checked by the `time` crate; leap
//! seconds and other offsets are refused.

use std::borrow::Cow;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Why a timestamp was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampError(pub &'static str);

/// Parses a timestamp into Unix milliseconds (sub-millisecond digits are truncated).
pub fn parse_utc_ms(s: &str) -> Result<i64, TimestampError> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err(TimestampError("is too short for YYYY-MM-DDTHH:MM:SSZ"));
    }
    const FORM: TimestampError = TimestampError("is not of the form YYYY-MM-DDTHH:MM:SS.sssZ");
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return Err(FORM);
    }
    let year = digits(&b[0..4]).ok_or(FORM)?;
    let month = digits(&b[5..7]).ok_or(FORM)?;
    let day = digits(&b[8..10]).ok_or(FORM)?;
    let hour = digits(&b[11..13]).ok_or(FORM)?;
    let minute = digits(&b[14..16]).ok_or(FORM)?;
    let second = digits(&b[17..19]).ok_or(FORM)?;

    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(TimestampError(
                "needs 1 to 9 digits after the decimal point",
            ));
        }
        let frac = digits(&after_dot[..n]).ok_or(FORM)?;
        nanos = frac * 10u32.pow(9 - n as u32);
        rest = &after_dot[n..];
    }
    match rest {
        b"Z" | b"+00:00" | b"-00:00" => {}
        _ => return Err(TimestampError("must end in Z (UTC)")),
    }

    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(TimestampError("has no such month"))?;
    let date = Date::from_calendar_date(year as i32, month, day as u8)
        .map_err(|_| TimestampError("has no such day"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| TimestampError("has no such time of day"))?;
    let instant = PrimitiveDateTime::new(date, time).assume_utc();
    Ok(to_ms(instant))
}

/// The number written by ASCII digits `b`, or `None` if one is not a digit.
#[inline(always)]
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &d| match d.wrapping_sub(b'0') {
        v @ 0..=9 => Some(n * 10 + u32::from(v)),
        _ => None,
    })
}

fn to_ms(t: OffsetDateTime) -> i64 {
    // Whole seconds are floored, so pre-1970 instants truncate the same way as later ones.
    t.unix_timestamp() * 1000 + i64::from(t.millisecond())
}

/// The first instant [`parse_utc_ms`] accepts: 0000-01-01T00:00:00.000Z.
pub const MIN_MS: i64 = -62_167_219_200_000;
/// The last instant [`parse_utc_ms`] accepts (to the millisecond): 9999-12-31T23:59:59.999Z.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Saturating: an instant before year 0
/// or after year 9999 gives the first or last instant of that range.
pub fn format_ms(ms: i64) -> String {
    let ms = ms.clamp(MIN_MS, MAX_MS);
    let t = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let millisecond = ms.rem_euclid(1000) as u32;
    let mut text = [0u8; 24];
    let fields: [(usize, u32, usize); 7] = [
        (0, t.year().unsigned_abs(), 4),
        (5, u32::from(u8::from(t.month())), 2),
        (8, u32::from(t.day()), 2),
        (11, u32::from(t.hour()), 2),
        (14, u32::from(t.minute()), 2),
        (17, u32::from(t.second()), 2),
        (20, millisecond, 3),
    ];
    for (at, mut value, width) in fields {
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    for (at, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        text[at] = sep;
    }
    text.iter().map(|&b| char::from(b)).collect()
}

/// [`format_ms`] of the instant [`parse_utc_ms`] read from `text`: `text` itself when it is
/// already written that way (`YYYY-MM-DDTHH:MM:SS.mmmZ`, as Everifin writes it), else formatted.
pub fn format_parsed(text: impl Into<String> + AsRef<str>, ms: i64) -> String {
    if is_canonical(text.as_ref()) {
        return text.into();
    }
    format_ms(ms)
}

/// [`format_parsed`] that borrows `text` when it is already written as [`format_ms`] writes.
pub(crate) fn canonical(text: Cow<'_, str>, ms: i64) -> Cow<'_, str> {
    if is_canonical(&text) {
        return text;
    }
    Cow::Owned(format_ms(ms))
}

/// Whether a text [`parse_utc_ms`] accepted is written as [`format_ms`] writes it.
fn is_canonical(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24 && b[19] == b'.' && b[23] == b'Z'
}

/// The system clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_everifin_timestamps() {
        assert_eq!(
            parse_utc_ms("2024-05-07T14:49:55.884Z"),
            Ok(1_715_093_395_884)
        );
        assert_eq!(parse_utc_ms("2024-05-07T14:49:55Z"), Ok(1_715_093_395_000));
        assert_eq!(
            parse_utc_ms("2024-05-07T14:49:55.8849999+00:00"),
            Ok(1_715_093_395_884)
        );
        assert_eq!(
            parse_utc_ms("2024-05-07T14:49:55.123456789-00:00"),
            Ok(1_715_093_395_123)
        );
        assert_eq!(parse_utc_ms("2024-02-29T00:00:00Z"), Ok(1_709_164_800_000));
        assert_eq!(parse_utc_ms("1969-12-31T23:59:59.999Z"), Ok(-1));
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            "2024-05-07",
            "2024-05-07T14:49:55",
            "2024-05-07T14:49:55.884",
            "2024-05-07T14:49:55.884z",
            "2024-05-07t14:49:55.884Z",
            "2024-05-07 14:49:55.884Z",
            "2024-05-07T14:49:55.884+01:00",
            "2024-05-07T14:49:55.Z",
            "2024-05-07T14:49:55.1234567890Z",
            "2023-02-29T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-05-07T24:00:00Z",
            "2024-05-07T23:60:00Z",
            "2024-12-31T23:59:60Z",
            "+024-05-07T14:49:55Z",
            "2024-05-07T14:49:55ZZ",
            "２024-05-07T14:49:55Z",
        ] {
            assert!(parse_utc_ms(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn formats_with_milliseconds() {
        assert_eq!(format_ms(1_715_093_395_884), "2024-05-07T14:49:55.884Z");
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_parsed_timestamp_is_formatted_as_format_ms_does() {
        for text in [
            "2024-05-07T14:49:55.884Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "1969-12-31T23:59:59.999Z",
            "2024-05-07T14:49:55.8Z",
            "2024-05-07T14:49:55.884000Z",
            "2024-05-07T14:49:55+00:00",
            "2024-05-07T14:49:55.884-00:00",
        ] {
            let ms = parse_utc_ms(text).unwrap();
            assert_eq!(format_parsed(text, ms), format_ms(ms), "{text}");
        }
    }

    #[test]
    fn formatting_saturates_at_the_parsable_range() {
        assert_eq!(parse_utc_ms("0000-01-01T00:00:00Z"), Ok(MIN_MS));
        assert_eq!(parse_utc_ms("9999-12-31T23:59:59.999Z"), Ok(MAX_MS));
        assert_eq!(format_ms(MIN_MS), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_ms(i64::MIN), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_ms(MAX_MS + 1), format_ms(MAX_MS));
    }
}
