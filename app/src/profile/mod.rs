//! The Profile tab: full name, email, phone number, photo and timezone.

pub mod api;
mod confirm_email;
mod email_section;
mod form;
#[cfg(feature = "ssr")]
pub mod photo;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod server;

pub use confirm_email::ConfirmEmailPage;

use leptos::prelude::*;

use crate::ui::resource::server_resource;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::error::AppError;
use api::get_profile;
use email_section::EmailSection;
use form::ProfileForm;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = server_resource(|| (), |_| get_profile());

    view! {
        <Title text="Profile · Profile Settings · Kayse"/>
        <Transition fallback=|| view! { <p class="muted">"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        let current = RwSignal::new(profile);
                        view! {
                            <ProfileForm current/>
                            <EmailSection current/>
                        }
                        .into_any()
                    }
                    Err(AppError::Unauthorized) => view! { <Redirect path="/sign-in"/> }.into_any(),
                    Err(err) => {
                        view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}
