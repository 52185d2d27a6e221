//! Keyboard focus helpers shared by the forms and disclosures (menu, bell).

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn focus_element(element: Option<web_sys::Element>) {
    if let Some(element) = element.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// Moves focus to the first field marked invalid, once the DOM shows the marks.
pub fn focus_first_invalid() {
    request_animation_frame(|| {
        focus_element(document().query_selector("[aria-invalid=\"true\"]").ok().flatten())
    });
}

/// Moves focus to the element with this id once the DOM has rendered it (a field that a
/// step of a flow just revealed).
pub fn focus_after_render(id: &'static str) {
    request_animation_frame(move || focus_element(document().get_element_by_id(id)));
}

/// Whether focus is moving out of `container` (a click elsewhere, Tab past its end): a
/// disclosure then closes.
pub fn focus_left(ev: &leptos::ev::FocusEvent, container: NodeRef<html::Div>) -> bool {
    !ev.related_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        .zip(container.get_untracked())
        .is_some_and(|(target, inside)| inside.contains(Some(&target)))
}
