//! Serves profile photos at `/avatars/<sha256>.jpg`. The address changes with the content,
//! so browsers may keep a photo for a year; only signed-in staff can load them.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use app::backend::AppState;
use app::backend::entities::avatar;
use app::backend::session_store::SignedIn;

use crate::middleware::not_found;

pub async fn serve_avatar(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
    Path(file): Path<String>,
) -> Response {
    if signed_in.is_none() {
        return not_found();
    }
    let Some(hash) = file
        .strip_suffix(".jpg")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return not_found();
    };
    let found =
        match avatar::Entity::find().filter(avatar::Column::Hash.eq(hash)).one(&state.db).await {
            Ok(found) => found,
            Err(err) => {
                return app::error::AppError::internal("loading an avatar", err).into_response();
            }
        };
    let Some(avatar) = found else { return not_found() };
    let mut response = avatar.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    response
}
