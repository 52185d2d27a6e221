//! Reading a submitted form's fields in the browser, for forms that build their server
//! function's arguments themselves.
//!
//! Leptos's `ActionForm` does the same through a query-string deserializer (serde_qs)
//! generated for each form's argument type: about 45 KB of wasm for the first one in a
//! module. The Profile tab ships with every first visit, so its forms read their fields
//! here instead. Without scripts such a form still posts to its server function, because
//! it keeps `action` and `method="post"`.

use wasm_bindgen::JsCast;

/// The submitted form's text fields, by name (an absent or non-text field reads as empty).
pub struct SubmittedForm(Option<web_sys::FormData>);

impl SubmittedForm {
    /// Reads the form the submit event came from.
    pub fn of(ev: &leptos::ev::SubmitEvent) -> Self {
        let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        Self(form.and_then(|form| web_sys::FormData::new_with_form(&form).ok()))
    }

    /// The value of the field called `name`.
    pub fn text(&self, name: &str) -> String {
        self.0.as_ref().and_then(|data| data.get(name).as_string()).unwrap_or_default()
    }
}
