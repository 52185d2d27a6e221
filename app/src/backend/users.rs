//! Reading people: the signed-in user's row, names by id, and the URL of a profile photo.
//! Every feature that shows or checks a person starts here.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::user;
use crate::error::AppError;

/// The user's row. A user deleted while signed in is treated as signed out.
pub async fn load_user(db: &impl ConnectionTrait, user_id: i32) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(user_id).one(db).await?.ok_or(AppError::Unauthorized)
}

/// Full names by user id, for lists that name who did something.
pub async fn names_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, AppError> {
    let ids: Vec<i32> = ids.into_iter().collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect())
}

/// Photos are served at content-addressed URLs (see the server's avatars route).
pub fn avatar_url(hash: &str) -> String {
    format!("/avatars/{hash}.jpg")
}
