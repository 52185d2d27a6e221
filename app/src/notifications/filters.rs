//! Which case events reach a person at all, whatever the method: the Notifications tab's
//! "Filters" and the messenger filter. Shared by the page and the dispatcher, which applies
//! them in one place (`lets_through`).

use serde::{Deserialize, Serialize};

use super::events::Event;
use crate::case_priority::Priority;

/// Which client messages ("New message") reach the person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Messenger {
    /// Messages on every case the filters let through.
    All,
    /// Messages on cases assigned to the person.
    #[default]
    AssignedOnly,
    /// Messages that mention the person (the integration marks them).
    MentionsOnly,
    None,
}

impl Messenger {
    pub const ALL: [Messenger; 4] =
        [Messenger::All, Messenger::AssignedOnly, Messenger::MentionsOnly, Messenger::None];

    pub fn key(self) -> &'static str {
        match self {
            Messenger::All => "all",
            Messenger::AssignedOnly => "assigned",
            Messenger::MentionsOnly => "mentions",
            Messenger::None => "none",
        }
    }

    pub fn from_key(key: &str) -> Option<Messenger> {
        Messenger::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Messenger::All => "All messages",
            Messenger::AssignedOnly => "Assigned only",
            Messenger::MentionsOnly => "Mentions only",
            Messenger::None => "None",
        }
    }
}

/// The filters of one set of settings. The defaults keep a new person's notifications to
/// their own cases, as before filters existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    /// Case types whose events reach the person; empty: every type. (An empty list is
    /// absent from a form-encoded request.)
    #[serde(default)]
    pub case_types: Vec<String>,
    /// "Only cases assigned to me": else every case of the firm (everyone in a firm sees
    /// all its cases).
    pub only_assigned_to_me: bool,
    /// "High and Urgent only".
    pub high_and_urgent_only: bool,
    /// "Always tell me about negative sentiment": Negative sentiment on any case of the
    /// firm, whatever the filters above say.
    pub always_negative_sentiment: bool,
    pub messenger: Messenger,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            case_types: Vec::new(),
            only_assigned_to_me: true,
            high_and_urgent_only: false,
            always_negative_sentiment: false,
            messenger: Messenger::default(),
        }
    }
}

/// The most case types one set of filters may name, and the longest name: far above a
/// firm's practice areas, low enough that a stored row stays small.
pub const MAX_CASE_TYPES: usize = 50;
pub const MAX_CASE_TYPE_CHARS: usize = 80;

/// What an event's case is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseFacts<'a> {
    pub case_type: &'a str,
    pub priority: Priority,
}

/// How the person is involved in an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Involvement {
    /// The event is addressed to them: a case assigned to them, their task's deadline.
    pub addressed: bool,
    /// The case is assigned to them (or was, until this very change).
    pub assigned_case: bool,
    /// The message mentions them.
    pub mentioned: bool,
}

fn same_case_type(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Whether an event reaches the person at all; the matrix then says how.
pub fn lets_through(filters: &Filters, event: Event, case: CaseFacts<'_>, me: Involvement) -> bool {
    if event == Event::NegativeSentiment && filters.always_negative_sentiment {
        return true;
    }
    if !filters.case_types.is_empty()
        && !filters.case_types.iter().any(|t| same_case_type(t, case.case_type))
    {
        return false;
    }
    if filters.high_and_urgent_only && !case.priority.is_high_or_urgent() {
        return false;
    }
    let mine = me.addressed || me.assigned_case;
    if event == Event::NewMessage {
        // The messenger filter decides for messages, in place of "Only cases assigned to me".
        return match filters.messenger {
            Messenger::All => true,
            Messenger::AssignedOnly => mine,
            Messenger::MentionsOnly => me.mentioned,
            Messenger::None => false,
        };
    }
    !filters.only_assigned_to_me || mine
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of filters, case and involvement, for every event, against the
    /// rules written out plainly.
    #[test]
    fn every_combination_follows_the_rules() {
        let mut checked = 0;
        for event in Event::ALL {
            for bits in 0..(1u32 << 9) {
                let bit = |n: u32| bits & (1 << n) != 0;
                for messenger in Messenger::ALL {
                    for priority in Priority::ALL {
                        let filters = Filters {
                            case_types: if bit(0) { vec!["Probate ".into()] } else { vec![] },
                            only_assigned_to_me: bit(1),
                            high_and_urgent_only: bit(2),
                            always_negative_sentiment: bit(3),
                            messenger,
                        };
                        let case_type = if bit(4) { "probate" } else { "Employment" };
                        let me = Involvement {
                            addressed: bit(5),
                            assigned_case: bit(6),
                            mentioned: bit(7),
                        };
                        let got =
                            lets_through(&filters, event, CaseFacts { case_type, priority }, me);

                        let type_ok = !bit(0) || bit(4);
                        let priority_ok = !bit(2) || priority >= Priority::High;
                        let mine = me.addressed || me.assigned_case;
                        let who_ok = if event == Event::NewMessage {
                            match messenger {
                                Messenger::All => true,
                                Messenger::AssignedOnly => mine,
                                Messenger::MentionsOnly => me.mentioned,
                                Messenger::None => false,
                            }
                        } else {
                            !bit(1) || mine
                        };
                        let always = event == Event::NegativeSentiment && bit(3);
                        let expected = always || (type_ok && priority_ok && who_ok);
                        assert_eq!(
                            got, expected,
                            "{event:?} {filters:?} {case_type} {priority:?} {me:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 11 * 512 * 4 * 4);
    }

    #[test]
    fn the_defaults_keep_to_the_persons_own_cases() {
        let filters = Filters::default();
        let case = CaseFacts { case_type: "Probate", priority: Priority::Low };
        let theirs = Involvement { assigned_case: true, ..Default::default() };
        let others = Involvement::default();
        for event in Event::ALL {
            assert!(lets_through(&filters, event, case, theirs), "{event:?}");
            assert!(!lets_through(&filters, event, case, others), "{event:?}");
        }
        let mentioned = Involvement { mentioned: true, ..Default::default() };
        assert!(!lets_through(&filters, Event::NewMessage, case, mentioned));
    }

    #[test]
    fn messenger_keys_round_trip() {
        for messenger in Messenger::ALL {
            assert_eq!(Messenger::from_key(messenger.key()), Some(messenger));
        }
        assert_eq!(Messenger::from_key("some"), None);
    }
}
