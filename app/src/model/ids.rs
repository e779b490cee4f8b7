//! Newtype ids, parsed at the boundary so a practice id can never be passed where a user
//! id is expected.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A practice (tenant).
    PracticeId
);
id_type!(
    /// A person with an account.
    UserId
);

id_type!(
    /// A patient's record in one practice.
    PatientId
);
id_type!(
    /// A room of a practice.
    RoomId
);
id_type!(
    /// An appointment type of a practice.
    TypeId
);
id_type!(
    /// Anything on a calendar: an appointment, a meeting or a block.
    EntryId
);
id_type!(
    /// A recurring series of entries.
    SeriesId
);
id_type!(
    /// A calendar subscription feed.
    FeedId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_reject_garbage() {
        let id = PracticeId(Uuid::from_u128(42));
        assert_eq!(id.to_string().parse::<PracticeId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<PracticeId>().is_err());
    }
}
id_type!(
    /// A change to a calendar entry that its maker may still undo.
    UndoId
);
id_type!(
    /// A task of a practice.
    TaskId
);
id_type!(
    /// A task queue of a practice.
    QueueId
);
id_type!(
    /// A task type of a practice.
    TaskTypeId
);
