//! "Export CSV" of Company settings' audit log: `/company/audit-log.csv`, with the same
//! person and kind filter as the page. A plain download link, so it works from the
//! keyboard and without script; the company and the Admin check come from the session,
//! exactly as in the page's server function.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use app::backend::AppState;
use app::backend::scope::{self, CompanyScope};
use app::backend::session_store::SignedIn;
use app::company_settings::api::AuditFilter;
use app::company_settings::audit_log;
use app::error::AppError;

pub async fn export_audit_log(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    Query(filter): Query<AuditFilter>,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        return AppError::Unauthorized.into_response();
    };
    match csv_for(&state, &me, &filter).await {
        Ok((company, csv)) => {
            let file = format!(
                "attachment; filename=\"audit-log-{}-{}.csv\"",
                file_name_part(&company),
                chrono::Utc::now().format("%Y-%m-%d")
            );
            let mut response = csv.into_response();
            let headers = response.headers_mut();
            headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&file) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn csv_for(
    state: &AppState,
    me: &SignedIn,
    filter: &AuditFilter,
) -> Result<(String, String), AppError> {
    let scope = CompanyScope::current(&state.db, me).await?;
    let csv = audit_log::csv(state, &scope, filter).await?;
    Ok((scope::company_name(&state.db, scope.company_id).await?, csv))
}

/// The company's name as it may appear in a file name: letters and digits, dashes between.
fn file_name_part(company: &str) -> String {
    let words: Vec<String> = company
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() { "company".to_owned() } else { words.join("-") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_keep_letters_and_digits_only() {
        assert_eq!(super::file_name_part("Smith & Co. LLP"), "smith-co-llp");
        assert_eq!(super::file_name_part("\"; rm"), "rm");
        assert_eq!(super::file_name_part("—"), "company");
    }
}
