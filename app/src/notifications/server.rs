//! The Notifications tab's server side: the preferences matrix and the filters (the
//! person's defaults, or one company's own copy of them), the Task due lead time, quiet
//! hours and the email digest (the last three are the person's, in every company: they
//! follow the person's day, not the firm).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use super::api::{FirmSettings, Preferences, SettingsScope};
use super::events::{
    DEFAULT_TASK_DUE_LEAD_MINUTES, Delivery, Digest, Event, Method, TASK_DUE_LEAD_TIMES,
};
use super::filters::{Filters, MAX_CASE_TYPE_CHARS, MAX_CASE_TYPES, Messenger};
use crate::backend::entities::{
    notification_filter as filter, notification_preference as preference,
    notification_settings as settings,
};
use crate::backend::scope::{company_name, find_membership_in};
use crate::backend::session_store::SignedIn;
use crate::error::AppError;

/// The stored company id of the person's defaults.
pub const DEFAULTS: i32 = 0;

impl SettingsScope {
    pub fn stored_company_id(self) -> i32 {
        match self {
            SettingsScope::Defaults => DEFAULTS,
            SettingsScope::Company(id) => id,
        }
    }
}

fn filters_of(row: &filter::Model) -> Filters {
    Filters {
        case_types: serde_json::from_str(&row.case_types).unwrap_or_default(),
        only_assigned_to_me: row.only_assigned_to_me,
        high_and_urgent_only: row.high_and_urgent_only,
        always_negative_sentiment: row.always_negative_sentiment,
        messenger: Messenger::from_key(&row.messenger).unwrap_or_default(),
    }
}

fn delivery_of(row: &preference::Model) -> Delivery {
    Delivery { in_app: row.in_app, email: row.email, push: row.push }
}

/// One person's stored settings rows that matter in one company: their defaults and that
/// company's copy.
#[derive(Clone, Debug, Default)]
pub struct StoredRows {
    pub preferences: Vec<preference::Model>,
    pub filters: Vec<filter::Model>,
}

impl StoredRows {
    /// Which set applies in `company_id`: its own copy when it has one, else the defaults.
    pub fn applying_in(&self, company_id: i32) -> i32 {
        if company_id != DEFAULTS && self.filters.iter().any(|f| f.company_id == company_id) {
            company_id
        } else {
            DEFAULTS
        }
    }

    /// How `event` reaches the person in `company_id`, and the filters it must pass.
    pub fn resolve(&self, company_id: i32, event: Event) -> (Delivery, Filters) {
        let set = self.applying_in(company_id);
        (self.delivery(set, event), self.filters(set))
    }

    fn delivery(&self, set: i32, event: Event) -> Delivery {
        self.preferences
            .iter()
            .find(|row| row.company_id == set && row.event == event.key())
            .map_or_else(|| event.defaults(), delivery_of)
    }

    fn filters(&self, set: i32) -> Filters {
        self.filters.iter().find(|row| row.company_id == set).map(filters_of).unwrap_or_default()
    }

    fn matrix(&self, set: i32) -> Vec<(Event, Delivery)> {
        Event::ALL.into_iter().map(|event| (event, self.delivery(set, event))).collect()
    }
}

/// The stored rows of several people for one company, in two queries whatever their number.
pub async fn stored_rows(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
    company_id: i32,
) -> Result<HashMap<i32, StoredRows>, AppError> {
    let sets = [DEFAULTS, company_id];
    let preferences = preference::Entity::find()
        .filter(preference::Column::UserId.is_in(user_ids.to_vec()))
        .filter(preference::Column::CompanyId.is_in(sets))
        .all(db)
        .await?;
    let filters = filter::Entity::find()
        .filter(filter::Column::UserId.is_in(user_ids.to_vec()))
        .filter(filter::Column::CompanyId.is_in(sets))
        .all(db)
        .await?;
    let mut rows: HashMap<i32, StoredRows> = HashMap::new();
    for row in preferences {
        rows.entry(row.user_id).or_default().preferences.push(row);
    }
    for row in filters {
        rows.entry(row.user_id).or_default().filters.push(row);
    }
    Ok(rows)
}

async fn rows_of(
    db: &impl ConnectionTrait,
    user_id: i32,
    company_id: i32,
) -> Result<StoredRows, AppError> {
    Ok(stored_rows(db, &[user_id], company_id).await?.remove(&user_id).unwrap_or_default())
}

/// How each event reaches the person in `company_id` (its own settings, else the defaults).
pub async fn deliveries(
    db: &impl ConnectionTrait,
    user_id: i32,
    company_id: i32,
) -> Result<Vec<(Event, Delivery)>, AppError> {
    let rows = rows_of(db, user_id, company_id).await?;
    Ok(rows.matrix(rows.applying_in(company_id)))
}

pub async fn task_due_lead_minutes(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<i32, AppError> {
    Ok(settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map_or(DEFAULT_TASK_DUE_LEAD_MINUTES, |s| s.task_due_lead_minutes))
}

/// The case types a set of filters can name: the company's, or for the defaults those of
/// every company of the person; plus any the filters already name (a type no case has
/// any more can still be unticked).
async fn case_types_to_offer(
    db: &DatabaseConnection,
    user_id: i32,
    set: i32,
    chosen: &[String],
) -> Result<Vec<String>, AppError> {
    let companies: Vec<i32> = if set == DEFAULTS {
        crate::backend::scope::memberships_with_companies(db, user_id)
            .await?
            .into_iter()
            .map(|(membership, _)| membership.company_id)
            .collect()
    } else {
        vec![set]
    };
    let found = crate::backend::scope::case_types_of(db, companies).await?;
    let mut types: BTreeSet<String> = found.into_iter().collect();
    types.extend(chosen.iter().cloned());
    Ok(types.into_iter().collect())
}

/// The settings that apply in the session's company (its own copy, or the defaults).
pub async fn load(db: &DatabaseConnection, me: &SignedIn) -> Result<Preferences, AppError> {
    let company_id = me.company_id.unwrap_or(DEFAULTS);
    let rows = rows_of(db, me.user_id, company_id).await?;
    let set = rows.applying_in(company_id);
    let firm = match me.company_id {
        Some(id) => Some(FirmSettings { id, name: company_name(db, id).await?, own: set == id }),
        None => None,
    };
    let filters = rows.filters(set);
    let stored = settings::Entity::find_by_id(me.user_id).one(db).await?;
    Ok(Preferences {
        scope: if set == DEFAULTS { SettingsScope::Defaults } else { SettingsScope::Company(set) },
        firm,
        matrix: rows.matrix(set),
        case_types: case_types_to_offer(db, me.user_id, set, &filters.case_types).await?,
        filters,
        task_due_lead_minutes: stored
            .as_ref()
            .map_or(DEFAULT_TASK_DUE_LEAD_MINUTES, |s| s.task_due_lead_minutes),
        quiet_hours: stored.as_ref().and_then(|s| s.quiet_start_minutes.zip(s.quiet_end_minutes)),
        urgent_during_quiet_hours: stored.as_ref().is_some_and(|s| s.urgent_during_quiet_hours),
        email_digest: stored
            .as_ref()
            .and_then(|s| Digest::from_key(&s.email_digest))
            .unwrap_or(Digest::Off),
    })
}

/// The stored company id of a set the page asks to change: the defaults, or a company of
/// the person's that has its own settings. A page showing a copy that was removed since
/// (in another tab) is told to reload rather than change the defaults unawares.
pub async fn writable_set(
    db: &impl ConnectionTrait,
    user_id: i32,
    scope: SettingsScope,
) -> Result<i32, AppError> {
    let SettingsScope::Company(company_id) = scope else {
        return Ok(DEFAULTS);
    };
    if company_id == DEFAULTS || find_membership_in(db, user_id, company_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let own = filter::Entity::find()
        .filter(filter::Column::UserId.eq(user_id))
        .filter(filter::Column::CompanyId.eq(company_id))
        .one(db)
        .await?;
    if own.is_none() {
        return Err(AppError::Rejected(
            "These settings are no longer this company's own. Reload the page.".into(),
        ));
    }
    Ok(company_id)
}

fn filter_row(user_id: i32, set: i32, filters: &Filters) -> Result<filter::ActiveModel, AppError> {
    Ok(filter::ActiveModel {
        user_id: Set(user_id),
        company_id: Set(set),
        case_types: Set(serde_json::to_string(&filters.case_types)
            .map_err(|e| AppError::internal("storing case types", e))?),
        only_assigned_to_me: Set(filters.only_assigned_to_me),
        high_and_urgent_only: Set(filters.high_and_urgent_only),
        always_negative_sentiment: Set(filters.always_negative_sentiment),
        messenger: Set(filters.messenger.key().to_owned()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// Trims, drops repeats (case-insensitively) and checks the case types a person chose.
pub fn clean_case_types(chosen: &[String]) -> Result<Vec<String>, AppError> {
    let mut seen = BTreeSet::new();
    let mut kept = Vec::new();
    for name in chosen {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > MAX_CASE_TYPE_CHARS || !crate::text::is_clean_line(name) {
            return Err(AppError::field("case_types", "Choose case types from the list."));
        }
        if seen.insert(name.to_lowercase()) {
            kept.push(name.to_owned());
        }
    }
    if kept.len() > MAX_CASE_TYPES {
        return Err(AppError::field(
            "case_types",
            format!("Choose at most {MAX_CASE_TYPES} case types."),
        ));
    }
    Ok(kept)
}

/// Saves a whole set of filters.
pub async fn set_filters(
    db: &DatabaseConnection,
    user_id: i32,
    scope: SettingsScope,
    filters: Filters,
) -> Result<Filters, AppError> {
    let filters = Filters { case_types: clean_case_types(&filters.case_types)?, ..filters };
    let set = writable_set(db, user_id, scope).await?;
    filter::Entity::insert(filter_row(user_id, set, &filters)?)
        .on_conflict(
            OnConflict::columns([filter::Column::UserId, filter::Column::CompanyId])
                .update_columns([
                    filter::Column::CaseTypes,
                    filter::Column::OnlyAssignedToMe,
                    filter::Column::HighAndUrgentOnly,
                    filter::Column::AlwaysNegativeSentiment,
                    filter::Column::Messenger,
                    filter::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(filters)
}

/// "Customize for <firm>": the company gets its own copy of the person's defaults as they
/// are now. Doing it twice (two tabs) keeps the first copy.
pub async fn customize(db: &DatabaseConnection, me: &SignedIn) -> Result<Preferences, AppError> {
    let company_id = me.company_id.ok_or(AppError::NoCompany)?;
    let rows = rows_of(db, me.user_id, company_id).await?;
    if rows.applying_in(company_id) == DEFAULTS {
        let txn = db.begin().await?;
        let copied =
            filter::Entity::insert(filter_row(me.user_id, company_id, &rows.filters(DEFAULTS))?)
                .on_conflict(
                    OnConflict::columns([filter::Column::UserId, filter::Column::CompanyId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        if copied == 1 {
            let now = Utc::now();
            preference::Entity::insert_many(rows.matrix(DEFAULTS).into_iter().map(
                |(event, delivery)| preference::ActiveModel {
                    user_id: Set(me.user_id),
                    company_id: Set(company_id),
                    event: Set(event.key().to_owned()),
                    in_app: Set(delivery.in_app),
                    email: Set(delivery.email),
                    push: Set(delivery.push),
                    updated_at: Set(now),
                    ..Default::default()
                },
            ))
            .on_conflict(one_row_per_event().do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
    }
    load(db, me).await
}

/// "Use my default settings": the company's own copy is removed.
pub async fn use_defaults(db: &DatabaseConnection, me: &SignedIn) -> Result<Preferences, AppError> {
    let company_id = me.company_id.ok_or(AppError::NoCompany)?;
    let txn = db.begin().await?;
    filter::Entity::delete_many()
        .filter(filter::Column::UserId.eq(me.user_id))
        .filter(filter::Column::CompanyId.eq(company_id))
        .exec(&txn)
        .await?;
    preference::Entity::delete_many()
        .filter(preference::Column::UserId.eq(me.user_id))
        .filter(preference::Column::CompanyId.eq(company_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    load(db, me).await
}

/// Creates the person's settings row with the defaults if there is none, so the setters
/// below can update one column each.
async fn ensure_settings(db: &DatabaseConnection, user_id: i32) -> Result<(), AppError> {
    settings::Entity::insert(settings::ActiveModel {
        user_id: Set(user_id),
        task_due_lead_minutes: Set(DEFAULT_TASK_DUE_LEAD_MINUTES),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(settings::Column::UserId).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets or clears the quiet hours (minutes after local midnight, on the half hour).
pub async fn set_quiet_hours(
    db: &DatabaseConnection,
    user_id: i32,
    hours: Option<(i32, i32)>,
) -> Result<Option<(i32, i32)>, AppError> {
    if let Some((start, end)) = hours {
        let valid = |m: i32| (0..24 * 60).contains(&m) && m % 30 == 0;
        if !valid(start) || !valid(end) {
            return Err(AppError::field("quiet_hours", "Choose the times from the lists."));
        }
        if start == end {
            return Err(AppError::field(
                "quiet_hours",
                "Quiet hours need to end at another time than they start.",
            ));
        }
    }
    ensure_settings(db, user_id).await?;
    settings::Entity::update_many()
        .col_expr(
            settings::Column::QuietStartMinutes,
            sea_orm::sea_query::Expr::value(hours.map(|h| h.0)),
        )
        .col_expr(
            settings::Column::QuietEndMinutes,
            sea_orm::sea_query::Expr::value(hours.map(|h| h.1)),
        )
        .col_expr(settings::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(hours)
}

pub async fn set_urgent_during_quiet_hours(
    db: &DatabaseConnection,
    user_id: i32,
    enabled: bool,
) -> Result<bool, AppError> {
    ensure_settings(db, user_id).await?;
    settings::Entity::update_many()
        .col_expr(
            settings::Column::UrgentDuringQuietHours,
            sea_orm::sea_query::Expr::value(enabled),
        )
        .col_expr(settings::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(enabled)
}

pub async fn set_email_digest(
    db: &DatabaseConnection,
    user_id: i32,
    digest: Digest,
) -> Result<Digest, AppError> {
    ensure_settings(db, user_id).await?;
    settings::Entity::update_many()
        .col_expr(settings::Column::EmailDigest, sea_orm::sea_query::Expr::value(digest.key()))
        .col_expr(settings::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(digest)
}

/// Stores one switch of one set the page showed (checked: the defaults, or a copy of a
/// company of the person's); the event's other methods keep their current values.
pub async fn set(
    db: &DatabaseConnection,
    user_id: i32,
    scope: SettingsScope,
    event: Event,
    method: Method,
    enabled: bool,
) -> Result<Delivery, AppError> {
    let set = writable_set(db, user_id, scope).await?;
    set_in(db, user_id, set, event, method, enabled).await
}

/// The unique index the preference upserts meet: one row per person, set and event.
fn one_row_per_event() -> OnConflict {
    OnConflict::columns([
        preference::Column::UserId,
        preference::Column::CompanyId,
        preference::Column::Event,
    ])
}

/// Stores one switch of a set already known to be the person's. An upsert, so two quick
/// clicks on two switches of one event cannot lose each other's row.
pub async fn set_in(
    db: &impl ConnectionTrait,
    user_id: i32,
    set: i32,
    event: Event,
    method: Method,
    enabled: bool,
) -> Result<Delivery, AppError> {
    let rows = rows_of(db, user_id, set).await?;
    let mut delivery = rows.delivery(set, event);
    delivery.set(method, enabled);
    let column = match method {
        Method::InApp => preference::Column::InApp,
        Method::Email => preference::Column::Email,
        Method::Push => preference::Column::Push,
    };
    preference::Entity::insert(preference::ActiveModel {
        user_id: Set(user_id),
        company_id: Set(set),
        event: Set(event.key().to_owned()),
        in_app: Set(delivery.in_app),
        email: Set(delivery.email),
        push: Set(delivery.push),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        one_row_per_event().update_columns([column, preference::Column::UpdatedAt]).to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(rows_of(db, user_id, set).await?.delivery(set, event))
}

/// Every set of the person's: the defaults and each company's own copy.
pub async fn sets_of(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<i32>, AppError> {
    let mut sets: Vec<i32> = filter::Entity::find()
        .filter(filter::Column::UserId.eq(user_id))
        .filter(filter::Column::CompanyId.ne(DEFAULTS))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.company_id)
        .collect();
    sets.insert(0, DEFAULTS);
    Ok(sets)
}

/// How each event is delivered in one set.
pub async fn deliveries_in_set(
    db: &impl ConnectionTrait,
    user_id: i32,
    set: i32,
) -> Result<Vec<(Event, Delivery)>, AppError> {
    Ok(rows_of(db, user_id, set).await?.matrix(set))
}

pub async fn set_lead(
    db: &DatabaseConnection,
    user_id: i32,
    minutes: i32,
) -> Result<i32, AppError> {
    if !TASK_DUE_LEAD_TIMES.iter().any(|(m, _)| *m == minutes) {
        return Err(AppError::field("task_due_lead", "Choose one of the listed times."));
    }
    settings::Entity::insert(settings::ActiveModel {
        user_id: Set(user_id),
        task_due_lead_minutes: Set(minutes),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(settings::Column::UserId)
            .update_columns([settings::Column::TaskDueLeadMinutes, settings::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preference_row(company_id: i32, event: Event, email: bool) -> preference::Model {
        preference::Model {
            id: 0,
            user_id: 1,
            company_id,
            event: event.key().to_owned(),
            in_app: true,
            email,
            push: false,
            updated_at: Utc::now(),
        }
    }

    fn filter_row(company_id: i32, only_assigned_to_me: bool) -> filter::Model {
        filter::Model {
            id: 0,
            user_id: 1,
            company_id,
            case_types: r#"["Probate"]"#.to_owned(),
            only_assigned_to_me,
            high_and_urgent_only: false,
            always_negative_sentiment: false,
            messenger: "mentions".to_owned(),
            updated_at: Utc::now(),
        }
    }

    /// A firm with its own copy uses it whole; every other firm uses the defaults; an
    /// event without a row takes its own defaults.
    #[test]
    fn each_company_resolves_to_its_own_copy_or_the_defaults() {
        let (harper, reyes) = (3, 4);
        let nothing = StoredRows::default();
        assert_eq!(
            nothing.resolve(harper, Event::TaskDue),
            (Event::TaskDue.defaults(), Filters::default())
        );

        let defaults_only = StoredRows {
            preferences: vec![preference_row(DEFAULTS, Event::NewMessage, true)],
            filters: vec![filter_row(DEFAULTS, false)],
        };
        for company in [harper, reyes] {
            let (delivery, filters) = defaults_only.resolve(company, Event::NewMessage);
            assert!(delivery.email);
            assert!(!filters.only_assigned_to_me);
            assert_eq!(filters.messenger, Messenger::MentionsOnly);
            assert_eq!(filters.case_types, ["Probate"]);
        }

        let harper_own = StoredRows {
            preferences: vec![
                preference_row(DEFAULTS, Event::NewMessage, true),
                preference_row(harper, Event::NewMessage, false),
            ],
            filters: vec![filter_row(DEFAULTS, false), filter_row(harper, true)],
        };
        assert_eq!(harper_own.applying_in(harper), harper);
        assert_eq!(harper_own.applying_in(reyes), DEFAULTS);
        let (delivery, filters) = harper_own.resolve(harper, Event::NewMessage);
        assert!(!delivery.email && filters.only_assigned_to_me);
        let (delivery, filters) = harper_own.resolve(reyes, Event::NewMessage);
        assert!(delivery.email && !filters.only_assigned_to_me);
        // Harper's copy lacks a row for Case assigned: that event's defaults, not the
        // default set's row (a copy is whole from the moment it is made).
        assert_eq!(
            harper_own.resolve(harper, Event::CaseAssigned).0,
            Event::CaseAssigned.defaults()
        );

        // Preference rows of a company without its own filters row are not a copy.
        let stray = StoredRows {
            preferences: vec![preference_row(reyes, Event::NewMessage, true)],
            filters: vec![],
        };
        assert_eq!(stray.resolve(reyes, Event::NewMessage).0, Event::NewMessage.defaults());
    }

    #[test]
    fn chosen_case_types_are_trimmed_deduplicated_and_bounded() {
        let chosen =
            vec![" Probate ".to_owned(), "probate".to_owned(), String::new(), "Family".into()];
        assert_eq!(clean_case_types(&chosen).unwrap(), ["Probate", "Family"]);
        let hidden = vec!["Pro\u{202e}bate".to_owned()];
        assert!(clean_case_types(&hidden).unwrap_err().message_for("case_types").is_some());
        let long = vec!["x".repeat(MAX_CASE_TYPE_CHARS + 1)];
        assert!(clean_case_types(&long).is_err());
        let many: Vec<String> = (0..=MAX_CASE_TYPES).map(|i| format!("Type {i}")).collect();
        assert!(clean_case_types(&many).is_err());
    }
}
