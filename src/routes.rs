//! The one URL table. [`ROUTES`] lists every route so the authorisation
//! matrix test can check that it covers them all.

use actix_web::web;

use crate::handlers::{
    account, admin, assets, auth, charities, companies, health, home, reports, spend,
    spend_imports, spend_uploads, suppliers,
};

macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path;)+) => {
        /// Every (method, path) the app serves, in registration order.
        pub const ROUTES: &[(&str, &str)] = &[$((route_table!(@name $method), $path)),+];

        /// Mounts every route on the app.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::$method().to($handler));)+
        }
    };
    (@name get) => { "GET" };
    (@name post) => { "POST" };
}

route_table! {
    get "/" => home::index;
    get "/healthz" => health::healthz;
    get "/accessibility" => home::accessibility;
    get "/static/app.css" => assets::app_css;
    get "/static/spend.js" => assets::spend_js;
    get "/login" => auth::login_form;
    post "/login" => auth::login;
    post "/logout" => auth::logout;
    get "/setup/{token}" => auth::setup_form;
    post "/setup/{token}" => auth::setup;
    get "/account/password" => account::password_form;
    post "/account/password" => account::change_password;
    get "/suppliers" => suppliers::list;
    get "/suppliers/new" => suppliers::new_form;
    get "/suppliers.csv" => suppliers::export_csv;
    get "/suppliers/import" => suppliers::import_form;
    post "/suppliers/import" => suppliers::import_file;
    get "/suppliers/queue" => suppliers::queue;
    get "/suppliers/lookup" => spend::supplier_lookup;
    get "/suppliers/suggestions" => suppliers::suggestions;
    get "/suppliers/similar" => suppliers::similar;
    get "/suppliers/proposals" => suppliers::proposals_page;
    post "/suppliers/proposals/master" => suppliers::upload_master_file;
    post "/suppliers/proposals/accept" => suppliers::accept_proposals;
    post "/suppliers/proposals/{id}/resolve" => suppliers::resolve_proposal;
    post "/suppliers/suggestions/accept" => suppliers::accept_suggestions;
    post "/suppliers" => suppliers::create;
    get "/suppliers/{id}" => suppliers::show;
    get "/suppliers/{id}/edit" => suppliers::edit_form;
    post "/suppliers/{id}" => suppliers::update;
    post "/suppliers/{id}/merge" => suppliers::merge;
    post "/suppliers/{id}/quick" => suppliers::quick_edit;
    post "/suppliers/{id}/aliases/{alias}/split" => suppliers::split;
    post "/suppliers/{id}/split" => suppliers::split_name;
    post "/suppliers/{id}/external-ids" => suppliers::add_external_id;
    post "/supplier-merges/{id}/undo" => suppliers::undo_merge;
    get "/reports" => reports::dashboard;
    get "/reports.csv" => reports::table_csv;
    get "/reports.xlsx" => reports::table_xlsx;
    get "/reports/about.csv" => reports::about_csv;
    get "/reports/audit.csv" => reports::audit_csv;
    get "/reports/trend" => reports::trend;
    get "/reports/categories" => reports::categories;
    get "/reports/payments" => reports::payments;
    get "/reports/payments.csv" => reports::payments_csv;
    post "/reports/targets" => reports::set_targets;
    get "/spend" => spend::ledger;
    get "/spend.csv" => spend::export_csv;
    get "/spend/new" => spend::new_form;
    get "/spend/years" => spend::years;
    get "/spend/years/close" => spend::close_form;
    post "/spend/years/close" => spend::close;
    get "/spend/years/reopen" => spend::reopen_form;
    post "/spend/years/reopen" => spend::reopen;
    post "/spend" => spend::create;
    get "/spend/imports" => spend_imports::list;
    post "/spend/imports" => spend_uploads::upload;
    post "/spend/imports/all" => spend_uploads::import_set;
    get "/spend/imports/{id}" => spend_imports::show;
    post "/spend/imports/{id}/map" => spend_imports::map;
    post "/spend/imports/{id}/commit" => spend_imports::commit;
    post "/spend/imports/{id}/cancel" => spend_imports::cancel;
    post "/spend/imports/{id}/undo" => spend_imports::undo;
    get "/spend/imports/{id}/left-out.csv" => spend_imports::left_out_csv;
    get "/spend/{id}/edit" => spend::edit_form;
    post "/spend/{id}" => spend::update;
    post "/spend/{id}/delete" => spend::delete;
    post "/spend/{id}/restore" => spend::restore;
    get "/admin/institutions/{id}/payment-types" => spend::rules_form;
    post "/admin/institutions/{id}/payment-types" => spend::save_rules;
    get "/companies" => companies::show;
    post "/companies" => companies::upload;
    post "/companies/proposals/accept" => companies::accept;
    post "/companies/similar/accept" => companies::accept_similar;
    post "/companies/conflicts/resolve" => companies::resolve_conflict;
    get "/charities" => charities::show;
    post "/charities" => charities::upload;
    post "/charities/proposals/accept" => charities::accept;
    get "/admin/institutions" => admin::institutions::list;
    get "/admin/institutions/new" => admin::institutions::new_form;
    post "/admin/institutions" => admin::institutions::create;
    get "/admin/institutions/{id}/edit" => admin::institutions::edit_form;
    post "/admin/institutions/{id}" => admin::institutions::update;
    get "/admin/networks" => admin::networks::list;
    get "/admin/networks/new" => admin::networks::new_form;
    post "/admin/networks" => admin::networks::create;
    get "/admin/networks/{id}/edit" => admin::networks::edit_form;
    post "/admin/networks/{id}" => admin::networks::update;
    get "/admin/reference-figures" => admin::references::list;
    get "/admin/reference-figures/new" => admin::references::new_form;
    post "/admin/reference-figures" => admin::references::create;
    get "/admin/reference-figures/{id}/edit" => admin::references::edit_form;
    post "/admin/reference-figures/{id}" => admin::references::update;
    post "/admin/reference-figures/{id}/delete" => admin::references::delete;
    get "/admin/erasure" => admin::erasure::form;
    post "/admin/erasure" => admin::erasure::erase;
    get "/admin/users" => admin::users::list;
    get "/admin/users/new" => admin::users::new_form;
    post "/admin/users" => admin::users::create;
    get "/admin/users/{id}/edit" => admin::users::edit_form;
    post "/admin/users/{id}" => admin::users::update;
    post "/admin/users/{id}/password" => admin::users::reset_password;
    get "/admin/institutions/{id}/area" => admin::areas::institution_form;
    post "/admin/institutions/{id}/area" => admin::areas::save_institution;
    get "/admin/networks/{id}/area" => admin::areas::network_form;
    post "/admin/networks/{id}/area" => admin::areas::save_network;
    get "/admin/area-definitions/{id}" => admin::areas::version;
    get "/admin/geography" => admin::geography::areas_list;
    get "/admin/postcodes" => admin::geography::postcodes;
    post "/admin/postcodes" => admin::geography::upload;
    get "/admin/jobs/{id}" => admin::geography::job;
    get "/admin/audit" => admin::audit::list;
    get "/admin/audit.csv" => admin::audit::export_csv;
}
