//! `/live`: the server-sent events channel of open pages. It carries `signed-out`, sent
//! the moment the page's session ends, and `notifications`, sent when the person's
//! notifications changed (the page then reloads its bell).

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

/// How often an open page's session is re-checked in the database: catches sessions ended
/// by another server instance, or expired, without any push.
const RECHECK_EVERY: Duration = Duration::from_secs(3);

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

/// Yields `notifications` events for this person while the session lives, then one
/// `signed-out` event when it ends, and finishes.
fn watch_session(
    state: AppState,
    session_id: i32,
    user_id: i32,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let receiver = state.live.subscribe();
    let ticker = tokio::time::interval(RECHECK_EVERY);
    stream::unfold(Some((state, receiver, ticker)), move |watch| async move {
        let (state, mut receiver, mut ticker) = watch?;
        loop {
            let ended = tokio::select! {
                message = receiver.recv() => match message {
                    Ok(LiveEvent::SessionsEnded(ids)) => ids.contains(&session_id),
                    Ok(LiveEvent::NotificationsChanged { user_id: changed }) if changed == user_id => {
                        return Some((Ok(notifications_changed()), Some((state, receiver, ticker))));
                    }
                    Ok(LiveEvent::NotificationsChanged { .. }) => false,
                    // Missed events: ask the database about the session, and have the page
                    // reload its notifications in case one of the missed was for it.
                    Err(RecvError::Lagged(_)) => {
                        if session_store::is_live(&state.db, &state.config, session_id).await.unwrap_or(true) {
                            return Some((Ok(notifications_changed()), Some((state, receiver, ticker))));
                        }
                        true
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = ticker.tick() => !session_store::is_live(&state.db, &state.config, session_id).await.unwrap_or(true),
            };
            if ended {
                return Some((Ok(signed_out()), None));
            }
        }
    })
    .boxed()
}
