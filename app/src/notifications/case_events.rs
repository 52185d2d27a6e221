//! The words of "Case updated" and "Task completed", built in one place for the two sources
//! of each: the app (cases) and the integrations API.

use std::collections::HashMap;

use super::dispatcher::Occurrence;
use super::events::Event;
use crate::backend::entities::{case, task};
use crate::case_priority::Priority;

fn label(case: &case::Model) -> String {
    format!("{} · {}", case.number, case.name)
}

/// "Status: Open → Discovery", one line per field that changed.
pub fn changes(
    before: &case::Model,
    after: &case::Model,
    names: &HashMap<i32, String>,
) -> Vec<String> {
    let person = |id: Option<i32>| {
        id.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| "Unassigned".to_owned())
    };
    let priority = |p: &str| Priority::from_stored(p).label();
    let mut lines = Vec::new();
    if before.status != after.status {
        lines.push(format!("Status: {} → {}", before.status, after.status));
    }
    if before.assignee_id != after.assignee_id {
        lines.push(format!(
            "Assignee: {} → {}",
            person(before.assignee_id),
            person(after.assignee_id)
        ));
    }
    if before.case_type != after.case_type {
        lines.push(format!("Type: {} → {}", before.case_type, after.case_type));
    }
    if before.priority != after.priority {
        lines.push(format!(
            "Priority: {} → {}",
            priority(&before.priority),
            priority(&after.priority)
        ));
    }
    lines
}

/// "Case updated" for the firm, about the case as it is now; `None` when nothing changed.
/// The previous assignee still counts as assigned (they hear that it left them); the new
/// one is told "Case assigned" instead.
pub fn case_updated(
    before: &case::Model,
    after: &case::Model,
    names: &HashMap<i32, String>,
    actor: Option<(i32, &str)>,
) -> Option<Occurrence> {
    let lines = changes(before, after, names);
    if lines.is_empty() {
        return None;
    }
    let by = actor.map_or_else(|| "your firm's systems".to_owned(), |(_, name)| name.to_owned());
    let mut occurrence = Occurrence::for_firm(
        after.company_id,
        Event::CaseUpdated,
        after,
        actor.map(|(id, _)| id),
        format!("Case updated: {}", label(after)),
        format!("{} (by {by})", lines.join("; ")),
    );
    if before.assignee_id != after.assignee_id {
        occurrence.also_assigned = before.assignee_id;
        occurrence.except = after.assignee_id;
    }
    Some(occurrence)
}

/// "Task completed" for the firm: the case's assignee hears it by default, and so does the
/// task's assignee when someone else marked it done.
pub fn task_completed(
    case: &case::Model,
    task: &task::Model,
    by: &str,
    actor_id: i32,
) -> Occurrence {
    Occurrence {
        task_id: Some(task.id),
        also_assigned: task.assignee_id,
        ..Occurrence::for_firm(
            case.company_id,
            Event::TaskCompleted,
            case,
            Some(actor_id),
            format!("Task completed on {}", label(case)),
            format!("{by} marked “{}” done.", task.title),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(status: &str, assignee: Option<i32>, priority: &str) -> case::Model {
        case::Model {
            id: 1,
            company_id: 7,
            number: "HL-1".into(),
            name: "Smith".into(),
            case_type: "Probate".into(),
            status: status.into(),
            assignee_id: assignee,
            priority: priority.into(),
            description: String::new(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn each_changed_field_is_said_once_and_a_reassignment_reaches_the_old_assignee() {
        let names = HashMap::from([(1, "Alex".to_owned()), (2, "Priya".to_owned())]);
        let before = case("Open", Some(1), "normal");
        assert!(case_updated(&before, &before, &names, None).is_none());
        let after = case("Discovery", Some(2), "urgent");
        let occurrence = case_updated(&before, &after, &names, Some((3, "Dana"))).unwrap();
        assert_eq!(
            occurrence.body,
            "Status: Open → Discovery; Assignee: Alex → Priya; Priority: Normal → Urgent (by Dana)"
        );
        assert_eq!(occurrence.also_assigned, Some(1));
        assert_eq!(occurrence.except, Some(2));
        assert_eq!(occurrence.actor_id, Some(3));
    }
}
