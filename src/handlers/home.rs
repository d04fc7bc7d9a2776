//! The signed-in home page.

use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, PageContext};
use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::{html, AccessibilityPage, HomePage, Layout};

pub async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    let (institution, network) = (user.institution_id, user.network_id);
    let institution_name = state
        .db(move |c| {
            Ok(match (institution, network) {
                (Some(id), _) => Some(db::institutions::get(c, id)?.name),
                (None, Some(id)) => Some(format!(
                    "every member of {}",
                    db::networks::get(c, id)?.network.name
                )),
                (None, None) => None,
            })
        })
        .await?;
    html(&HomePage {
        layout: Layout::new("Home", Some(&user), &page),
        display_name: user.display_name.clone(),
        role_label: user.role.label(),
        institution_name,
    })
}

/// The accessibility statement: open to everyone, signed in or not.
pub async fn accessibility(
    user: Option<CurrentUser>,
    page: PageContext,
) -> AppResult<HttpResponse> {
    html(&AccessibilityPage {
        layout: Layout::new("Accessibility statement", user.as_ref(), &page),
    })
}
