//! `/live`: the server-sent events channel of open pages. It carries `signed-out`, sent
//! the moment the page's session ends, `notifications`, sent when the person's
//! notifications changed (the page then reloads its bell), and `companies`, sent when a
//! company of theirs changed what it asks of them (a role, a security policy, a removal:
//! the page then reloads its top bar, with the 2FA banner and the idle timeout).

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use app::backend::AppState;
use app::backend::live::LiveEvent;
use app::backend::session_store::{self, SignedIn};

/// How often the open pages' sessions are re-checked in the database: catches sessions
/// ended by another server instance, or expired, without any push.
pub const RECHECK_EVERY: Duration = Duration::from_secs(3);

/// One query for every open page of this instance: the sessions among them that ended
/// (deleted elsewhere, or expired) are announced, and their pages go to sign-in. Returns
/// how many ended.
pub async fn recheck_open_sessions(state: &AppState) -> Result<usize, app::error::AppError> {
    let watched = state.live.watched_sessions();
    if watched.is_empty() {
        return Ok(0);
    }
    let live: std::collections::HashSet<i32> =
        session_store::live_among(&state.db, &state.config, &watched).await?.into_iter().collect();
    let ended: Vec<i32> = watched.into_iter().filter(|id| !live.contains(id)).collect();
    let count = ended.len();
    if count > 0 {
        // Every instance re-checks its own pages: this one's need telling, no other's.
        state.live.publish_here(LiveEvent::SessionsEnded(ended));
    }
    Ok(count)
}

fn signed_out() -> Event {
    // Browsers drop events with empty data (the SSE spec), so say something.
    Event::default().event("signed-out").data("session ended")
}

pub async fn live_events(
    State(state): State<AppState>,
    signed_in: Option<Extension<SignedIn>>,
) -> Response {
    let Some(Extension(me)) = signed_in else {
        // No live session: say so at once, so the page goes to sign-in.
        return Sse::new(stream::once(async { Ok::<_, Infallible>(signed_out()) })).into_response();
    };
    Sse::new(watch_session(state, me.session_id, me.user_id))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

fn notifications_changed() -> Event {
    Event::default().event("notifications").data("changed")
}

fn companies_changed() -> Event {
    Event::default().event("companies").data("changed")
}

/// Yields `notifications` and `companies` events for this person while the session lives, then one
/// `signed-out` event when it ends, and finishes.
fn watch_session(
    state: AppState,
    session_id: i32,
    user_id: i32,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let receiver = state.live.subscribe();
    // Held while the page is open: the periodic re-check includes this session.
    let watch = state.live.watch(session_id);
    stream::unfold(Some((state, receiver, watch)), move |open| async move {
        let (state, mut receiver, watch) = open?;
        loop {
            let ended = match receiver.recv().await {
                Ok(LiveEvent::SessionsEnded(ids)) => ids.contains(&session_id),
                Ok(LiveEvent::NotificationsChanged { user_id: changed }) if changed == user_id => {
                    return Some((Ok(notifications_changed()), Some((state, receiver, watch))));
                }
                Ok(LiveEvent::CompaniesChanged { user_id: changed }) if changed == user_id => {
                    return Some((Ok(companies_changed()), Some((state, receiver, watch))));
                }
                Ok(
                    LiveEvent::NotificationsChanged { .. }
                    | LiveEvent::AccountChanged { .. }
                    | LiveEvent::CompaniesChanged { .. },
                ) => false,
                // Missed events: ask the database about the session, and have the page
                // reload its notifications in case one of the missed was for it.
                Err(RecvError::Lagged(_)) => {
                    if session_store::is_live(&state.db, &state.config, session_id)
                        .await
                        .unwrap_or(true)
                    {
                        return Some((Ok(notifications_changed()), Some((state, receiver, watch))));
                    }
                    true
                }
                Err(RecvError::Closed) => return None,
            };
            if ended {
                return Some((Ok(signed_out()), None));
            }
        }
    })
    .boxed()
}
