//! The events a person can be notified of and the ways to deliver them, with the exact
//! words the product uses. Shared by the page and the server.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    NewMessage,
    MissedCall,
    CaseAssigned,
    TaskDue,
    NegativeSentiment,
}

impl Event {
    pub const ALL: [Event; 5] = [
        Event::NewMessage,
        Event::MissedCall,
        Event::CaseAssigned,
        Event::TaskDue,
        Event::NegativeSentiment,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Event::NewMessage => "new_message",
            Event::MissedCall => "missed_call",
            Event::CaseAssigned => "case_assigned",
            Event::TaskDue => "task_due",
            Event::NegativeSentiment => "negative_sentiment",
        }
    }

    pub fn from_key(key: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::NewMessage => "New message",
            Event::MissedCall => "Missed call",
            Event::CaseAssigned => "Case assigned",
            Event::TaskDue => "Task due",
            Event::NegativeSentiment => "Negative sentiment",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Event::NewMessage => "A client sends a message on one of your cases.",
            Event::MissedCall => "A call on one of your cases is missed.",
            Event::CaseAssigned => "A case is assigned to you.",
            Event::TaskDue => "A deadline of one of your tasks is approaching.",
            Event::NegativeSentiment => "A client's message or call on your case sounds unhappy.",
        }
    }

    /// A new person gets every event in the app, by email the ones that need action,
    /// and no push until they set up a device.
    pub fn defaults(self) -> Delivery {
        let email = matches!(self, Event::CaseAssigned | Event::TaskDue | Event::NegativeSentiment);
        Delivery { in_app: true, email, push: false }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    InApp,
    Email,
    Push,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::InApp, Method::Email, Method::Push];

    pub fn label(self) -> &'static str {
        match self {
            Method::InApp => "In-app",
            Method::Email => "Email",
            Method::Push => "Push",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub in_app: bool,
    pub email: bool,
    pub push: bool,
}

impl Delivery {
    pub fn get(self, method: Method) -> bool {
        match method {
            Method::InApp => self.in_app,
            Method::Email => self.email,
            Method::Push => self.push,
        }
    }

    pub fn set(&mut self, method: Method, on: bool) {
        match method {
            Method::InApp => self.in_app = on,
            Method::Email => self.email = on,
            Method::Push => self.push = on,
        }
    }
}

/// How notification emails are bundled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Digest {
    /// One email per notification.
    Off,
    Hourly,
    /// Every morning at 08:00, local time.
    Daily,
    /// Monday mornings at 08:00, local time.
    Weekly,
}

impl Digest {
    pub const ALL: [Digest; 4] = [Digest::Off, Digest::Hourly, Digest::Daily, Digest::Weekly];

    pub fn key(self) -> &'static str {
        match self {
            Digest::Off => "off",
            Digest::Hourly => "hourly",
            Digest::Daily => "daily",
            Digest::Weekly => "weekly",
        }
    }

    pub fn from_key(key: &str) -> Option<Digest> {
        Digest::ALL.into_iter().find(|d| d.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Digest::Off => "Off: one email per notification",
            Digest::Hourly => "Hourly",
            Digest::Daily => "Daily, at 08:00",
            Digest::Weekly => "Weekly, on Monday at 08:00",
        }
    }
}

/// The lead times offered for "Task due", in minutes, with their words.
pub const TASK_DUE_LEAD_TIMES: [(i32, &str); 6] = [
    (15, "15 minutes before"),
    (60, "1 hour before"),
    (180, "3 hours before"),
    (1440, "1 day before"),
    (2880, "2 days before"),
    (10080, "1 week before"),
];
pub const DEFAULT_TASK_DUE_LEAD_MINUTES: i32 = 1440;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_defaults_follow_the_product() {
        for event in Event::ALL {
            assert_eq!(Event::from_key(event.key()), Some(event));
            assert!(event.defaults().in_app, "every event in the app by default");
            assert!(!event.defaults().push, "no push before a device is set up");
        }
        assert!(
            Event::CaseAssigned.defaults().email
                && Event::TaskDue.defaults().email
                && Event::NegativeSentiment.defaults().email
        );
        assert!(!Event::NewMessage.defaults().email && !Event::MissedCall.defaults().email);
        assert_eq!(Event::from_key("nope"), None);
        assert!(TASK_DUE_LEAD_TIMES.iter().any(|(m, _)| *m == DEFAULT_TASK_DUE_LEAD_MINUTES));
    }
}
