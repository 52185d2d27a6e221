//! The round avatar every page shows for a person: their photo, or their initials on a
//! colour of their own.

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

/// "AM" for "Alex Morgan", "C" for "Cher": what the avatar shows without a photo.
pub fn initials(full_name: &str) -> String {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    let first = words.first().and_then(|w| w.chars().next());
    let last = if words.len() > 1 { words.last().and_then(|w| w.chars().next()) } else { None };
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

/// Colours with at least 4.5:1 contrast against white initials.
const AVATAR_COLOURS: [&str; 8] =
    ["#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0f766e", "#4338ca", "#a21caf"];

/// A stable colour per user, so a person keeps their colour everywhere.
pub fn avatar_colour(user_id: i32) -> &'static str {
    AVATAR_COLOURS[user_id.unsigned_abs() as usize % AVATAR_COLOURS.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_colours() {
        assert_eq!(initials("Alex Morgan"), "AM");
        assert_eq!(initials("alex de la morgan"), "AM");
        assert_eq!(initials("Cher"), "C");
        assert_eq!(initials(""), "");
        assert_eq!(avatar_colour(3), avatar_colour(3));
    }
}
