//! The events a person can be notified of and the ways to deliver them, with the exact
//! words the product uses. Shared by the page and the server.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    NewMessage,
    MissedCall,
    CallCompleted,
    CaseAssigned,
    CaseUpdated,
    TaskDue,
    TaskCompleted,
    DocumentUploaded,
    FormSubmitted,
    NegativeSentiment,
    CampaignUpdate,
}

/// The matrix's sections, in the page's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventGroup {
    MessagesAndCalls,
    CasesAndTasks,
    Clients,
}

impl EventGroup {
    pub const ALL: [EventGroup; 3] =
        [EventGroup::MessagesAndCalls, EventGroup::CasesAndTasks, EventGroup::Clients];

    pub fn label(self) -> &'static str {
        match self {
            EventGroup::MessagesAndCalls => "Messages and calls",
            EventGroup::CasesAndTasks => "Cases and tasks",
            EventGroup::Clients => "Clients",
        }
    }
}

impl Event {
    /// Kayse's eleven events, in the product's order (which is also the groups' order).
    pub const ALL: [Event; 11] = [
        Event::NewMessage,
        Event::MissedCall,
        Event::CallCompleted,
        Event::CaseAssigned,
        Event::CaseUpdated,
        Event::TaskDue,
        Event::TaskCompleted,
        Event::DocumentUploaded,
        Event::FormSubmitted,
        Event::NegativeSentiment,
        Event::CampaignUpdate,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Event::NewMessage => "new_message",
            Event::MissedCall => "missed_call",
            Event::CallCompleted => "call_completed",
            Event::CaseAssigned => "case_assigned",
            Event::CaseUpdated => "case_updated",
            Event::TaskDue => "task_due",
            Event::TaskCompleted => "task_completed",
            Event::DocumentUploaded => "document_uploaded",
            Event::FormSubmitted => "form_submitted",
            Event::NegativeSentiment => "negative_sentiment",
            Event::CampaignUpdate => "campaign_update",
        }
    }

    pub fn from_key(key: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::NewMessage => "New message",
            Event::MissedCall => "Missed call",
            Event::CallCompleted => "Call completed",
            Event::CaseAssigned => "Case assigned",
            Event::CaseUpdated => "Case updated",
            Event::TaskDue => "Task due",
            Event::TaskCompleted => "Task completed",
            Event::DocumentUploaded => "Document uploaded",
            Event::FormSubmitted => "Form submitted",
            Event::NegativeSentiment => "Negative sentiment",
            Event::CampaignUpdate => "Campaign update",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Event::NewMessage => "A client sends a message on a case.",
            Event::MissedCall => "A client's call on a case is missed.",
            Event::CallCompleted => "A call with a client on a case ends.",
            Event::CaseAssigned => "A case is assigned to you.",
            Event::CaseUpdated => "A case's status, assignee, type or priority changes.",
            Event::TaskDue => "A deadline of one of your tasks is approaching.",
            Event::TaskCompleted => "A task on a case is marked done.",
            Event::DocumentUploaded => "A document is added to a case.",
            Event::FormSubmitted => "A client submits a form on a case.",
            Event::NegativeSentiment => "A client's message or call sounds unhappy.",
            Event::CampaignUpdate => "A client replies to, or leaves, a campaign.",
        }
    }

    pub fn group(self) -> EventGroup {
        match self {
            Event::NewMessage | Event::MissedCall | Event::CallCompleted => {
                EventGroup::MessagesAndCalls
            }
            Event::CaseAssigned
            | Event::CaseUpdated
            | Event::TaskDue
            | Event::TaskCompleted
            | Event::DocumentUploaded => EventGroup::CasesAndTasks,
            Event::FormSubmitted | Event::NegativeSentiment | Event::CampaignUpdate => {
                EventGroup::Clients
            }
        }
    }

    /// A new person gets every event in the app, by email the ones that need action from
    /// them, and no push until they set up a device.
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
        let groups: Vec<EventGroup> = Event::ALL.iter().map(|e| e.group()).collect();
        let mut sorted = groups.clone();
        sorted.sort_by_key(|g| EventGroup::ALL.iter().position(|x| x == g));
        assert_eq!(groups, sorted, "the product's order keeps each group together");
        assert!(TASK_DUE_LEAD_TIMES.iter().any(|(m, _)| *m == DEFAULT_TASK_DUE_LEAD_MINUTES));
    }
}
