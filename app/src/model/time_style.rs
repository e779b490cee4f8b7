//! How a person reads times and dates: their own setting, the same on every page.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeStyle {
    /// "2:30 pm" rather than "14:30".
    pub twelve_hour: bool,
    /// "Tue, Dec 1" rather than "Tue 1 Dec".
    pub month_first: bool,
}

impl TimeStyle {
    /// How the page carries it (`<html data-time-style>`), e.g. "12h md".
    pub fn key(self) -> &'static str {
        match (self.twelve_hour, self.month_first) {
            (false, false) => "24h dm",
            (false, true) => "24h md",
            (true, false) => "12h dm",
            (true, true) => "12h md",
        }
    }

    /// The style a key names; anything else is the default.
    pub fn from_key(key: &str) -> TimeStyle {
        let mut parts = key.split_whitespace();
        TimeStyle {
            twelve_hour: parts.next() == Some("12h"),
            month_first: parts.next() == Some("md"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_style_survives_its_key_and_a_stray_key_is_the_default() {
        for twelve_hour in [false, true] {
            for month_first in [false, true] {
                let s = TimeStyle {
                    twelve_hour,
                    month_first,
                };
                assert_eq!(TimeStyle::from_key(s.key()), s);
            }
        }
        assert_eq!(TimeStyle::from_key("nonsense"), TimeStyle::default());
    }
}
