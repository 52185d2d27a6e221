//! Every page but Profile. With the `lazy-routes` feature and a `cargo leptos build
//! --split` they are lazy routes: each becomes a wasm file of its own, downloaded when the
//! page is first reached, so the main download holds the shell (layout, menus, the
//! notification bell) and the Profile tab, the page a first visit to the settings opens.
//! Without the feature they are ordinary routes, so a plain `cargo leptos watch` or
//! `build` (which cannot split) keeps working.

use leptos_router::ChooseView;

#[cfg(feature = "lazy-routes")]
macro_rules! page {
    ($name:ident, $route:ident, $page:path) => {
        pub fn $name() -> impl ChooseView {
            leptos_router::Lazy::<$route>::new()
        }

        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                // Each page loads its own data once its code is here.
                $route
            }

            fn view(_this: Self) -> leptos::prelude::AnyView {
                use leptos::prelude::IntoAny;
                $page().into_any()
            }
        }
    };
}

#[cfg(not(feature = "lazy-routes"))]
macro_rules! page {
    ($name:ident, $route:ident, $page:path) => {
        pub fn $name() -> impl ChooseView {
            $page
        }
    };
}

page!(sign_in, SignInRoute, crate::auth::SignInPage);
page!(cases, CasesRoute, crate::cases::CasesPage);
page!(case_detail, CaseDetailRoute, crate::cases::CaseDetailPage);
page!(my_tasks, MyTasksRoute, crate::cases::MyTasksPage);
page!(notifications, NotificationsRoute, crate::notifications::NotificationsPage);
page!(security, SecurityRoute, crate::security::SecurityPage);
page!(sessions, SessionsRoute, crate::sessions::SessionsPage);
page!(company_settings, CompanySettingsRoute, crate::company_settings::CompanySettingsPage);
page!(sign_in_verify, SignInVerifyRoute, crate::auth::SignInVerifyPage);
page!(confirm_email, ConfirmEmailRoute, crate::profile::ConfirmEmailPage);
page!(forgot_password, ForgotPasswordRoute, crate::auth::ForgotPasswordPage);
page!(reset_password, ResetPasswordRoute, crate::auth::ResetPasswordPage);
page!(wasnt_me, WasntMeRoute, crate::security::WasntMePage);
page!(unsubscribe, UnsubscribeRoute, crate::notifications::UnsubscribePage);
