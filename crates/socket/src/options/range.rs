//! The range checks behind [`Options::set`](super::Options::set): counts
//! against libzmq's `int`, durations against an option's bounds. A check
//! never changes a value; it passes it through or refuses it.

use std::time::Duration;

use super::{INT_MAX, MAX_DURATION, OptionError};

/// The shortest `Some` for options where libzmq's 0 means "off".
pub(super) const NONZERO: Duration = Duration::from_millis(1);

/// Checks a count against libzmq's `int`.
pub(super) fn check_count(option: &'static str, n: usize) -> Result<usize, OptionError> {
    let value = u64::try_from(n).unwrap_or(u64::MAX);
    if value > INT_MAX {
        return Err(OptionError::ValueOutOfRange {
            option,
            value,
            max: INT_MAX,
        });
    }
    Ok(n)
}

/// Checks a duration from `min` to [`MAX_DURATION`]; `None` always passes.
pub(super) fn check_duration(
    option: &'static str,
    d: Option<Duration>,
    min: Duration,
) -> Result<Option<Duration>, OptionError> {
    check_range(option, d, min, MAX_DURATION)
}

/// Checks a duration from `min` to `max`; `None` always passes.
pub(super) fn check_range(
    option: &'static str,
    d: Option<Duration>,
    min: Duration,
    max: Duration,
) -> Result<Option<Duration>, OptionError> {
    match d {
        Some(value) if value < min || value > max => Err(OptionError::DurationOutOfRange {
            option,
            value,
            min,
            max,
        }),
        _ => Ok(d),
    }
}
