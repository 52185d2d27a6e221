//! Connecting, migrating, and the demo data a newcomer signs in with.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use app::backend::entities::{company, membership, user};
use app::backend::passwords;

use crate::migrations::Migrator;

pub const DEMO_EMAIL: &str = "demo@kayse.test";

/// Connects (creating the SQLite file and its folder if needed) and runs the migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) = std::path::Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    let db = Database::connect(options).await.map_err(|e| format!("cannot open the database: {e}"))?;
    Migrator::up(&db, None).await.map_err(|e| format!("migrating the database failed: {e}"))?;
    Ok(db)
}

/// On an empty database, creates a demo staff member in two firms. Returns the demo
/// credentials when it created them, so the caller can print them once.
pub async fn seed_demo(db: &DatabaseConnection, password: Option<String>) -> Result<Option<(String, String)>, String> {
    let users = user::Entity::find().count(db).await.map_err(|e| e.to_string())?;
    if users > 0 {
        return Ok(None);
    }
    let password = password.unwrap_or_else(|| app::backend::tokens::new_token()[..20].to_owned());
    let hash = passwords::hash_password(password.clone()).await.map_err(|e| e.to_string())?;
    let now = Utc::now();
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let mut company_ids = Vec::new();
    for name in ["Harper & Lowe LLP", "Reyes Legal Group"] {
        let company = company::ActiveModel { name: Set(name.to_owned()), created_at: Set(now), ..Default::default() }
            .insert(&txn)
            .await
            .map_err(|e| e.to_string())?;
        company_ids.push(company.id);
    }
    let demo = user::ActiveModel {
        email: Set(DEMO_EMAIL.to_owned()),
        password_hash: Set(hash),
        full_name: Set("Alex Morgan".to_owned()),
        phone: Set(None),
        timezone: Set("America/New_York".to_owned()),
        avatar_hash: Set(None),
        last_company_id: Set(company_ids.first().copied()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| e.to_string())?;
    for company_id in company_ids {
        membership::ActiveModel {
            user_id: Set(demo.id),
            company_id: Set(company_id),
            role: Set(membership::ROLE_ADMIN.to_owned()),
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
