//! Connecting, migrating, and the demo data a newcomer signs in with.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use app::backend::entities::{case, company, membership, task, user};
use app::backend::passwords;
use app::case_priority::Priority;

use crate::migrations::Migrator;

pub const DEMO_EMAIL: &str = "demo@kayse.test";
const DEMO_NAME: &str = "Alex Morgan";

/// Refuses to serve a public (https) site while the demo account exists: its email is
/// in the README and its password was printed in a log.
pub async fn refuse_demo_on_public_site(
    db: &DatabaseConnection,
    public_url: &str,
) -> Result<(), String> {
    if !public_url.starts_with("https://") {
        return Ok(());
    }
    let demo = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .count(db)
        .await
        .map_err(|e| e.to_string())?;
    if demo > 0 {
        return Err(format!(
            "the demo account {DEMO_EMAIL} exists and server.public_url is https: delete it \
             (or serve a database without it) before serving Kayse publicly"
        ));
    }
    Ok(())
}

/// Connects (creating the SQLite file and its folder if needed) and runs the migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) =
            std::path::Path::new(file).parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let db = Database::connect(connect_options(url))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        migrate_alone(&db).await?;
    } else {
        // SQLite serves one instance: nobody to race.
        migrate(&db).await?;
    }
    Ok(db)
}

async fn migrate(db: &DatabaseConnection) -> Result<(), String> {
    Migrator::up(db, None).await.map_err(|e| format!("migrating the database failed: {e}"))
}

/// The advisory lock instances take to migrate one at a time (any fixed number; this one
/// spells "KAYSE" in ASCII).
pub const MIGRATION_LOCK: i64 = 0x4b_41_59_53_45;

/// Migrates under a PostgreSQL advisory lock: instances started together would otherwise
/// all create the same tables, and all but one fail. The first takes the lock and
/// migrates; the others wait for it, then find nothing left to do. The lock belongs to one
/// connection, held aside for it and closed afterwards, which releases the lock whatever
/// happened in between.
async fn migrate_alone(db: &DatabaseConnection) -> Result<(), String> {
    use sea_orm::sqlx::Connection;
    let pool = db.get_postgres_connection_pool();
    let mut holder =
        pool.acquire().await.map_err(|e| format!("cannot open the database: {e}"))?.detach();
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut holder)
        .await
        .map_err(|e| format!("cannot take the migration lock: {e}"))?;
    let migrated = migrate(db).await;
    if let Err(err) = holder.close().await {
        tracing::warn!(?err, "closing the migration lock's connection failed");
    }
    migrated
}

/// The connections for reads that write nothing (`AppState::reads`). sea-orm gives SQLite
/// a single connection, so that a transaction never meets another writer; but then every
/// request queued for it, reads included. In WAL mode readers run side by side with each
/// other and with the writer, so a SQLite file gets a second pool, of two per core, for
/// reads. An in-memory SQLite database (one per connection) and PostgreSQL keep one pool.
pub async fn connect_reads(
    url: &str,
    db: &DatabaseConnection,
) -> Result<DatabaseConnection, String> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !url.starts_with("sqlite:") || in_memory {
        return Ok(db.clone());
    }
    let readers = std::thread::available_parallelism().map_or(2, |n| 2 * n.get());
    let mut options = connect_options(url);
    options.max_connections(u32::try_from(readers).unwrap_or(4));
    Database::connect(options).await.map_err(|e| format!("cannot open the database: {e}"))
}

fn connect_options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    // Each statement is logged at debug level (target `sqlx::query`), so
    // `RUST_LOG=info,sqlx=warn,sqlx::query=debug` shows every query: scripts/bench counts
    // them with 2,000 open pages. The default filter drops them before they are formatted.
    options.sqlx_logging(true).sqlx_logging_level(log::LevelFilter::Debug);
    // SQLite: write-ahead logging, so readers never wait for a writer (the rollback journal
    // blocked every read during every write); NORMAL sync, safe with WAL (a power cut can
    // lose the last commits, never corrupt the file); and a writer waits up to 5 s for
    // another instead of failing with "database is locked".
    options.map_sqlx_sqlite_opts(|sqlite| {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(5))
    });
    options
}

/// On an empty database, creates a demo staff member in two firms. Returns the demo
/// credentials when it created them, so the caller can print them once.
pub async fn seed_demo(
    db: &DatabaseConnection,
    password: Option<String>,
) -> Result<Option<(String, String)>, String> {
    let users = user::Entity::find().count(db).await.map_err(|e| e.to_string())?;
    if users > 0 {
        return Ok(None);
    }
    let password = password.unwrap_or_else(|| app::backend::tokens::new_token()[..20].to_owned());
    // The demo password is typed by people trying Kayse: it obeys the rules every other
    // password does.
    if let Some(problem) = app::security::password_policy::problem(&password, DEMO_EMAIL, DEMO_NAME)
    {
        return Err(format!("demo.password is not allowed: {problem}"));
    }
    let hash = passwords::hash_password(password.clone()).await.map_err(|e| e.to_string())?;
    let now = Utc::now();
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let harper = insert_company(&txn, "Harper & Lowe LLP", now).await?;
    let reyes = insert_company(&txn, "Reyes Legal Group", now).await?;
    let demo =
        insert_user(&txn, DEMO_EMAIL, &hash, DEMO_NAME, "America/New_York", Some(harper), now)
            .await?;
    // Teammates cannot sign in (nobody knows their password); they make the firms real.
    let nobody = passwords::hash_password(app::backend::tokens::new_token())
        .await
        .map_err(|e| e.to_string())?;
    let priya = insert_user(
        &txn,
        "priya.shah@harperlowe.example",
        &nobody,
        "Priya Shah",
        "America/Chicago",
        Some(harper),
        now,
    )
    .await?;
    let marcus = insert_user(
        &txn,
        "marcus.lee@harperlowe.example",
        &nobody,
        "Marcus Lee",
        "America/New_York",
        Some(harper),
        now,
    )
    .await?;
    let dana = insert_user(
        &txn,
        "dana.reyes@reyeslegal.example",
        &nobody,
        "Dana Reyes",
        "America/Los_Angeles",
        Some(reyes),
        now,
    )
    .await?;
    let tom = insert_user(
        &txn,
        "tom.alvarez@reyeslegal.example",
        &nobody,
        "Tom Alvarez",
        "America/Los_Angeles",
        Some(reyes),
        now,
    )
    .await?;
    // The demo person is an Admin at one firm and a User at the other, so both views show.
    for (user_id, company_id, role) in [
        (demo, harper, membership::ROLE_ADMIN),
        (priya, harper, membership::ROLE_USER),
        (marcus, harper, membership::ROLE_USER),
        (demo, reyes, membership::ROLE_USER),
        (dana, reyes, membership::ROLE_ADMIN),
        (tom, reyes, membership::ROLE_USER),
    ] {
        membership::ActiveModel {
            user_id: Set(user_id),
            company_id: Set(company_id),
            role: Set(role.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| e.to_string())?;
    }
    let day = chrono::Duration::days(1);
    let harper_cases = [
        (
            "HL-2026-014",
            "Smith v. Ridgeway Logistics",
            "Personal injury",
            "Open",
            Priority::High,
            Some(demo),
            "Truck collision on I-95; liability disputed by the carrier's insurer.",
        ),
        (
            "HL-2026-021",
            "Estate of Eleanor Price",
            "Probate",
            "Open",
            Priority::Normal,
            Some(priya),
            "Will contest by two nephews; inventory of the estate under way.",
        ),
        (
            "HL-2025-188",
            "Garcia Employment Dispute",
            "Employment",
            "Discovery",
            Priority::Urgent,
            Some(demo),
            "Wrongful termination claim against a regional retailer.",
        ),
        (
            "HL-2026-030",
            "Chen Immigration Petition",
            "Immigration",
            "Intake",
            Priority::Low,
            None,
            "H-1B transfer and green card sponsorship for a software engineer.",
        ),
    ];
    let reyes_cases = [
        (
            "RLG-114",
            "Okafor v. City Transit",
            "Personal injury",
            "Open",
            Priority::High,
            Some(demo),
            "Bus passenger injured in a sudden stop; claim against the city.",
        ),
        (
            "RLG-120",
            "Martinez Divorce",
            "Family",
            "Settlement",
            Priority::Normal,
            Some(dana),
            "Shared custody agreed; property division in negotiation.",
        ),
        (
            "RLG-131",
            "Bluewater Lease Review",
            "Real estate",
            "Open",
            Priority::Low,
            Some(tom),
            "Commercial lease renewal for a marina operator.",
        ),
    ];
    let mut case_ids = std::collections::HashMap::new();
    for (company_id, cases) in [(harper, &harper_cases[..]), (reyes, &reyes_cases[..])] {
        for (index, (number, name, case_type, status, priority, assignee, description)) in
            cases.iter().enumerate()
        {
            let created = case::ActiveModel {
                company_id: Set(company_id),
                number: Set((*number).to_owned()),
                name: Set((*name).to_owned()),
                case_type: Set((*case_type).to_owned()),
                status: Set((*status).to_owned()),
                priority: Set(priority.key().to_owned()),
                assignee_id: Set(*assignee),
                description: Set((*description).to_owned()),
                created_at: Set(now - day * (index as i32 + 1) * 7),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| e.to_string())?;
            case_ids.insert(*number, (company_id, created.id));
        }
    }
    for (number, title, due_in_hours, assignee) in [
        ("HL-2026-014", "File response to motion to dismiss", 48, Some(demo)),
        ("HL-2025-188", "Prepare Ms. Garcia for her deposition", -20, Some(demo)),
        ("HL-2026-021", "Send estate inventory to the court", 120, Some(priya)),
        ("RLG-114", "Request the police report", 96, Some(demo)),
        ("RLG-120", "Draft the property settlement", 72, Some(dana)),
    ] {
        let Some(&(company_id, case_id)) = case_ids.get(number) else { continue };
        task::ActiveModel {
            company_id: Set(company_id),
            case_id: Set(case_id),
            title: Set(title.to_owned()),
            due_at: Set(now + chrono::Duration::hours(due_in_hours)),
            assignee_id: Set(assignee),
            completed_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| e.to_string())?;
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(Some((DEMO_EMAIL.to_owned(), password)))
}

async fn insert_company(
    txn: &sea_orm::DatabaseTransaction,
    name: &str,
    now: chrono::DateTime<Utc>,
) -> Result<i32, String> {
    let company = company::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| e.to_string())?;
    Ok(company.id)
}

async fn insert_user(
    txn: &sea_orm::DatabaseTransaction,
    email: &str,
    password_hash: &str,
    full_name: &str,
    timezone: &str,
    last_company_id: Option<i32>,
    now: chrono::DateTime<Utc>,
) -> Result<i32, String> {
    let user = user::ActiveModel {
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        full_name: Set(full_name.to_owned()),
        phone: Set(None),
        timezone: Set(timezone.to_owned()),
        avatar_hash: Set(None),
        last_company_id: Set(last_company_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| e.to_string())?;
    Ok(user.id)
}
