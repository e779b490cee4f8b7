//! The years every date the product takes keeps to.

use chrono::{Datelike, NaiveDate};

/// The years a date given to Switchboard may fall in: any appointment, birth date, working
/// week or log filter, and far enough from the limits of date arithmetic (chrono's years
/// stop at ±262,143, where adding a day panics) that nothing computed from such a date
/// overflows.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Refuses any of `days` outside [`YEARS`].
pub fn dates_in_range(days: &[NaiveDate]) -> Result<(), String> {
    if days.iter().all(|d| YEARS.contains(&d.year())) {
        Ok(())
    } else {
        Err(format!(
            "Choose a date between {} and {}.",
            YEARS.start(),
            YEARS.end()
        ))
    }
}
