//! The company's audit log, for its Admins: what its members did (sign-ins, failed ones,
//! 2FA and password changes, sessions ended) and what was done in the company (roles,
//! removals, resets, API tokens), newest first, filtered by person and kind, a page at a
//! time, and as CSV. Only this company's entries are ever read.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use super::api::{AuditEntryView, AuditFilter, AuditLogPage, AuditPerson};
use crate::backend::AppState;
use crate::backend::audit::SecurityEventKind;
use crate::backend::display::{describe_user_agent, format_in_timezone};
use crate::backend::entities::audit_entry;
use crate::backend::scope::CompanyScope;
use crate::backend::users::{load_user, names_by_id};
use crate::error::AppError;

/// Entries per page.
pub const PAGE_SIZE: u64 = 50;
/// The most rows one CSV export holds (newest first).
pub const EXPORT_LIMIT: u64 = 100_000;

fn matching(
    scope: &CompanyScope,
    filter: &AuditFilter,
) -> Result<Select<audit_entry::Entity>, AppError> {
    let mut query =
        audit_entry::Entity::find().filter(audit_entry::Column::CompanyId.eq(scope.company_id));
    if let Some(person) = filter.person {
        query = query.filter(
            Condition::any()
                .add(audit_entry::Column::ActorId.eq(person))
                .add(audit_entry::Column::SubjectId.eq(person)),
        );
    }
    if let Some(kind) = filter.kind.as_deref().filter(|k| !k.is_empty()) {
        let kind = SecurityEventKind::from_name(kind)
            .ok_or_else(|| AppError::field("kind", "Choose a kind from the list."))?;
        query = query.filter(audit_entry::Column::Kind.eq(kind.name()));
    }
    Ok(query)
}

struct Described {
    names: HashMap<i32, String>,
    timezone: String,
}

impl Described {
    async fn of(
        state: &AppState,
        scope: &CompanyScope,
        rows: &[audit_entry::Model],
    ) -> Result<Self, AppError> {
        // Collected first: a borrowing iterator held across the await is not `Send`.
        let ids: Vec<i32> =
            rows.iter().flat_map(|r| [r.actor_id, r.subject_id]).flatten().collect();
        Ok(Described {
            names: names_by_id(&state.db, ids).await?,
            timezone: load_user(&state.db, scope.user_id).await?.timezone,
        })
    }

    fn name(&self, id: Option<i32>) -> Option<String> {
        id.map(|id| self.names.get(&id).cloned().unwrap_or_else(|| "A deleted account".to_owned()))
    }

    fn view(&self, row: audit_entry::Model) -> AuditEntryView {
        let device = describe_user_agent(&row.user_agent);
        AuditEntryView {
            id: row.id,
            when: format_in_timezone(row.created_at, &self.timezone),
            what: SecurityEventKind::from_name(&row.kind)
                .map_or_else(|| row.kind.clone(), |k| k.label().to_owned()),
            who: self.name(row.actor_id).unwrap_or_else(|| "Unknown".to_owned()),
            about: self.name(row.subject_id),
            detail: row.detail,
            device: format!("{} on {}", device.browser, device.os),
            address: row.client_address,
        }
    }
}

/// One page of the log: entries older than `before` (the newest when none).
pub async fn page(
    state: &AppState,
    scope: &CompanyScope,
    filter: &AuditFilter,
    before: Option<i32>,
) -> Result<AuditLogPage, AppError> {
    scope.require_admin()?;
    let mut query = matching(scope, filter)?;
    if let Some(before) = before {
        query = query.filter(audit_entry::Column::Id.lt(before));
    }
    let mut rows =
        query.order_by_desc(audit_entry::Column::Id).limit(PAGE_SIZE + 1).all(&state.db).await?;
    let more = rows.len() as u64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let older = if more { rows.last().map(|r| r.id) } else { None };
    let described = Described::of(state, scope, &rows).await?;
    let people = scope
        .members(&state.db)
        .await?
        .into_iter()
        .map(|(person, _)| AuditPerson { id: person.id, name: person.full_name })
        .collect();
    Ok(AuditLogPage {
        entries: rows.into_iter().map(|row| described.view(row)).collect(),
        older,
        people,
        kinds: SecurityEventKind::ALL
            .into_iter()
            .map(|k| (k.name().to_owned(), k.label().to_owned()))
            .collect(),
    })
}

/// The log as CSV (RFC 4180), newest first, with the same filter as the page.
pub async fn csv(
    state: &AppState,
    scope: &CompanyScope,
    filter: &AuditFilter,
) -> Result<String, AppError> {
    scope.require_admin()?;
    let rows = matching(scope, filter)?
        .order_by_desc(audit_entry::Column::Id)
        .limit(EXPORT_LIMIT)
        .all(&state.db)
        .await?;
    let described = Described::of(state, scope, &rows).await?;
    let mut out = String::from(
        "Time (UTC),Time (yours),Event,Person,Member affected,Detail,Device,Address\r\n",
    );
    for row in rows {
        let utc = row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let entry = described.view(row);
        let cells = [
            utc,
            entry.when,
            entry.what,
            entry.who,
            entry.about.unwrap_or_default(),
            entry.detail,
            entry.device,
            entry.address,
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// One CSV cell: quoted when it holds a comma, quote or line break; and a cell a
/// spreadsheet would run as a formula (a name such as `=HYPERLINK(…)` chosen by anyone
/// who can edit their profile or name a token) is defused with a leading apostrophe.
pub fn csv_cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Signed in"), "Signed in");
        assert_eq!(csv_cell("Smith, Jones"), "\"Smith, Jones\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1 555"), "'+1 555");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
    }
}
