//! What every page does with its data: the content, the sign-in page when the session has
//! ended, or the error's message; and the signal that asks the top bar to reload.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::error::AppError;

/// Bumped after anything that changes what the top bar shows (name, photo), so the shell
/// fetches the account again.
#[derive(Clone, Copy)]
pub struct AccountRefresh(pub RwSignal<u32>);

impl AccountRefresh {
    pub fn bump(&self) {
        self.0.update(|v| *v += 1);
    }
}

/// Set by a page that ends its own session on purpose and then goes where the server sends
/// it ("Secure my account" goes on to "Forgot password?"): the live channel, told the
/// session ended, then leaves the navigation to it instead of opening the sign-in page.
#[derive(Clone, Copy)]
pub struct EndingOwnSession(pub RwSignal<bool>);

/// What a page shows for a server function's answer: the content; the sign-in page when
/// the session has ended (signed out elsewhere, expired); otherwise the error's message.
pub fn page_content<T>(result: Result<T, AppError>, render: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(value) => render(value),
        Err(AppError::Unauthorized) => view! { <Redirect path="/sign-in"/> }.into_any(),
        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
    }
}
