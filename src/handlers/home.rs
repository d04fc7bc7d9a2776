//! The signed-in home page.

use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, PageContext};
use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::{html, HomePage, Layout};

pub async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageContext,
) -> AppResult<HttpResponse> {
    let institution = user.institution_id;
    let institution_name = match institution {
        Some(id) => Some(
            state
                .db(move |c| Ok(db::institutions::get(c, id)?.name))
                .await?,
        ),
        None => None,
    };
    html(&HomePage {
        layout: Layout::new("Home", Some(&user), &page),
        display_name: user.display_name.clone(),
        role_label: user.role.label(),
        institution_name,
    })
}
