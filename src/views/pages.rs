//! Pages every signed-in user (or visitor) sees.

use askama::Template;

use super::{FormErrors, Layout};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub layout: Layout,
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub errors: FormErrors,
}

/// The accessibility statement, in the form public-sector bodies publish.
#[derive(Template)]
#[template(path = "accessibility.html")]
pub struct AccessibilityPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub display_name: String,
    pub role_label: &'static str,
    pub institution_name: Option<String>,
}

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "admin/erasure.html")]
pub struct ErasurePage {
    pub layout: Layout,
    pub name: String,
    pub network_wide: bool,
    pub errors: FormErrors,
}
