//! A case's priority: Low, Normal, High or Urgent. Cases show and store it; notification
//! filters read it ("High and Urgent only"). A leaf like `text`, so the cases feature and
//! the notifications feature can both use it without importing each other.

use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] =
        [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn from_key(key: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.key() == key)
    }

    /// A stored value no version wrote reads as Normal rather than failing a whole list.
    pub fn from_stored(key: &str) -> Priority {
        Priority::from_key(key).unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }

    /// What "High and Urgent only" lets through.
    pub fn is_high_or_urgent(self) -> bool {
        self >= Priority::High
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_order_follows_urgency() {
        for priority in Priority::ALL {
            assert_eq!(Priority::from_key(priority.key()), Some(priority));
        }
        assert_eq!(Priority::from_stored("??"), Priority::Normal);
        let high: Vec<Priority> =
            Priority::ALL.into_iter().filter(|p| p.is_high_or_urgent()).collect();
        assert_eq!(high, [Priority::High, Priority::Urgent]);
    }
}
