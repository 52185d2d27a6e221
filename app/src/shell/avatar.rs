use leptos::prelude::*;

/// A round avatar: the photo, or the initials on the person's colour.
#[component]
pub fn Avatar(
    #[prop(into)] initials: Signal<String>,
    #[prop(into)] colour: Signal<String>,
    #[prop(into)] url: Signal<Option<String>>,
    #[prop(default = "avatar")] class: &'static str,
) -> impl IntoView {
    view! {
        {move || match url.get() {
            Some(src) => view! { <img class=class src=src alt=""/> }.into_any(),
            None => view! {
                <span class=format!("{class} initials") style:background-color=move || colour.get() aria-hidden="true">
                    {move || initials.get()}
                </span>
            }
            .into_any(),
        }}
    }
}
