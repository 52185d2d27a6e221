//! The one-click unsubscribe of RFC 8058: a mail client that shows "Unsubscribe" POSTs
//! `List-Unsubscribe=One-Click` to the `List-Unsubscribe` link of a notification email. The
//! link's signature is the authority (no cookie, no sign-in); the same link opened in a
//! browser (GET) is the app's unsubscribe page, which asks first.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::backend::AppState;
use app::notifications::unsubscribe;

#[derive(Deserialize)]
pub struct LinkQuery {
    link: String,
}

pub async fn one_click(State(state): State<AppState>, Query(query): Query<LinkQuery>) -> Response {
    let done = async {
        let target = unsubscribe::verify(&state.db, &query.link).await?;
        unsubscribe::apply(&state.db, target).await
    };
    match done.await {
        Ok(choice) => (
            StatusCode::OK,
            format!("Unsubscribed: {} are off in {}.", choice.what, choice.settings),
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}
