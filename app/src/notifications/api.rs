//! Server functions of notifications: a person reads and marks only their own.

use crate::error::AppError;
use crate::notifications::model::Bell;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    auth::session,
    db::{begin, Scope},
    notifications::db,
    state::app_state,
};

/// The signed-in person's unread count and latest notifications, across their practices.
#[server(endpoint = "notifications/bell", output = crate::wire::Bin)]
pub async fn read_bell() -> Result<Bell, AppError> {
    mark(None).await
}

/// Marks the person's notifications `ids` read (all of them when `ids` is `None`); answers
/// the bell as it is now.
#[server(endpoint = "notifications/read", input = Json, output = crate::wire::Bin)]
pub async fn mark_read(ids: Option<Vec<uuid::Uuid>>) -> Result<Bell, AppError> {
    mark(Some(ids)).await
}

/// Marks (`Some(ids)`, `Some(None)`: all) and reads the bell.
#[cfg(feature = "ssr")]
async fn mark(ids: Option<Option<Vec<uuid::Uuid>>>) -> Result<Bell, AppError> {
    let actor = session::actor()?;
    let state = app_state()?;
    let scope = Scope::person(actor.user(), actor.me.practices.iter().map(|p| p.id));
    let mut tx = begin(&state.pool, &scope).await?;
    if let Some(ids) = ids {
        if ids.as_ref().is_some_and(|ids| ids.len() > 200) {
            return Err(AppError::invalid("Mark at most 200 notifications at a time."));
        }
        db::mark_read(&mut tx, actor.user(), ids.as_deref()).await?;
    }
    let bell = db::bell(&mut tx, actor.user()).await?;
    tx.commit().await?;
    Ok(bell)
}
