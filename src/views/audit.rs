//! The audit log as an auditor reads it: each entry's record type in
//! words, a link to the record, and "field: before → after" for the fields
//! that changed, worked out from the before and after the log keeps.

use serde_json::{Map, Value};

use crate::db::audit::AuditRow;
use crate::domain::money::Pence;

/// One entry of the log, ready to show.
pub struct EntryView {
    pub row: AuditRow,
    pub action: String,
    pub record: String,
    /// The record's own page, where there is one.
    pub link: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// One field that changed.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl EntryView {
    pub fn new(row: AuditRow) -> Self {
        Self {
            action: action_label(&row.action),
            record: record_label(&row.entity_type),
            link: link(&row.entity_type, &row.entity_id),
            changes: changes(row.before_json.as_deref(), row.after_json.as_deref()),
            row,
        }
    }
}

/// What kind of record an entry is about, in words.
pub fn record_label(entity_type: &str) -> String {
    match entity_type {
        "area_definition" => "Local-area definition".into(),
        "charity_release" => "Register of charities release".into(),
        "company_release" => "Companies House release".into(),
        "export" => "Download".into(),
        "import_batch" => "Spend import".into(),
        "import_profile" => "Import settings for a file layout".into(),
        "payment_type_rule" => "Payment-type rule".into(),
        "personal_data" => "Personal data".into(),
        "postcode_release" => "Postcode lookup release".into(),
        "reference_figure" => "Published figure".into(),
        "report_targets" => "Report targets".into(),
        "session" => "Sign-in".into(),
        "spend_line" => "Spend line".into(),
        "supplier_external_id" => "Supplier identifier".into(),
        "supplier_proposal" => "Proposed supplier fact".into(),
        other => words(other),
    }
}

/// What was done, in words.
pub fn action_label(action: &str) -> String {
    match action {
        "login" => "Signed in".into(),
        "logout" => "Signed out".into(),
        "login_failed" => "Sign-in failed".into(),
        "mark_dissolved" => "Marked dissolved".into(),
        "unmerge" => "Merge undone".into(),
        "map" => "Columns mapped".into(),
        "create" => "Created".into(),
        "update" => "Changed".into(),
        "delete" => "Deleted".into(),
        "restore" => "Restored".into(),
        "merge" => "Merged".into(),
        "split" => "Split".into(),
        "undo" => "Undone".into(),
        "commit" => "Imported".into(),
        "cancel" => "Cancelled".into(),
        "upload" => "Uploaded".into(),
        "activate" => "Made active".into(),
        "export" => "Downloaded".into(),
        "erase" => "Erased".into(),
        "save" => "Saved".into(),
        "close" => "Closed".into(),
        "reopen" => "Reopened".into(),
        "reject" => "Rejected".into(),
        other => words(other),
    }
}

/// `company_number` as "Company number".
fn words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The record's page, for the kinds of record that have one.
fn link(entity_type: &str, entity_id: &str) -> Option<String> {
    if entity_type == "financial_year" {
        // `institution:year`
        let (institution, _) = entity_id.split_once(':')?;
        let institution: i64 = institution.parse().ok()?;
        return Some(format!("/spend/years?institution={institution}"));
    }
    let id: i64 = entity_id.parse().ok()?;
    let path = match entity_type {
        "supplier" => format!("/suppliers/{id}"),
        "spend_line" => format!("/spend/{id}/edit"),
        "import_batch" => format!("/spend/imports/{id}"),
        "institution" => format!("/admin/institutions/{id}/edit"),
        "network" => format!("/admin/networks/{id}/edit"),
        "user" => format!("/admin/users/{id}/edit"),
        "reference_figure" => format!("/admin/reference-figures/{id}/edit"),
        "area_definition" => format!("/admin/area-definitions/{id}"),
        _ => return None,
    };
    Some(path)
}

/// The fields that differ between the record before and after, the
/// after's fields first (by name), then those only the before had; a record created shows what it was created
/// with, one deleted what it held. A before or after that is not a record
/// of fields is shown whole.
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    // A side that is absent has no fields; one that is not a record, none
    // that can be listed (`None`).
    let fields = |json: Option<&str>| match json.map(serde_json::from_str::<Value>) {
        None => Some(Map::new()),
        Some(Ok(Value::Object(m))) => Some(m),
        Some(_) => None,
    };
    let (Some(b), Some(a)) = (fields(before), fields(after)) else {
        return vec![FieldChange {
            field: "Record".into(),
            before: before.unwrap_or("—").to_owned(),
            after: after.unwrap_or("—").to_owned(),
        }];
    };
    let blank = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.as_str() == Some(""));
    a.keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .filter_map(|k| {
            let (was, now) = (b.get(k), a.get(k));
            if was == now || blank(was) && blank(now) {
                return None;
            }
            let (field, before) = field_value(k, was);
            Some(FieldChange {
                field,
                before,
                after: field_value(k, now).1,
            })
        })
        .collect()
}

/// A field's name in words and its value as text: pence as pounds,
/// true/false as yes/no, nothing as a dash.
fn field_value(key: &str, value: Option<&Value>) -> (String, String) {
    let (name, pence) = match key.strip_suffix("_pence") {
        Some(stem) => (words(stem), true),
        None => (words(key), false),
    };
    let text = match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::Number(n)) if pence => n
            .as_i64()
            .map_or_else(|| n.to_string(), |p| Pence(p).to_string()),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            let mut t = other.to_string();
            if t.chars().count() > 300 {
                t = t.chars().take(300).collect::<String>() + "…";
            }
            t
        }
    };
    (name, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: &str, before: &str, after: &str) -> FieldChange {
        FieldChange {
            field: field.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn only_the_fields_that_changed_are_listed_in_words() {
        let before = r#"{"name":"Ribble Joinery","postcode":"PR1 2HE","amount_pence":123456,"is_vcse":false,"note":null}"#;
        let after = r#"{"name":"Ribble Joinery Ltd","postcode":"PR1 2HE","amount_pence":100,"is_vcse":true,"note":""}"#;
        assert_eq!(
            changes(Some(before), Some(after)),
            [
                change("Amount", "£1,234.56", "£1.00"),
                change("Is vcse", "no", "yes"),
                change("Name", "Ribble Joinery", "Ribble Joinery Ltd"),
            ]
        );
    }

    #[test]
    fn a_created_record_shows_its_fields_and_a_deleted_one_what_it_held() {
        assert_eq!(
            changes(None, Some(r#"{"name":"A","code":null}"#)),
            [change("Name", "—", "A")]
        );
        assert_eq!(
            changes(Some(r#"{"name":"A"}"#), None),
            [change("Name", "A", "—")]
        );
        assert_eq!(changes(None, None), []);
    }

    #[test]
    fn a_field_only_one_side_has_counts_and_text_that_is_not_a_record_is_shown_whole() {
        assert_eq!(
            changes(Some(r#"{"a":1}"#), Some(r#"{"b":[1,2]}"#)),
            [change("B", "—", "[1,2]"), change("A", "1", "—")]
        );
        assert_eq!(
            changes(Some("not json"), Some(r#"{"a":1}"#)),
            [change("Record", "not json", r#"{"a":1}"#)]
        );
    }

    #[test]
    fn records_and_actions_read_as_words_and_link_to_their_pages() {
        assert_eq!(record_label("spend_line"), "Spend line");
        assert_eq!(record_label("supplier"), "Supplier");
        assert_eq!(action_label("login_failed"), "Sign-in failed");
        assert_eq!(action_label("something_new"), "Something new");
        assert_eq!(link("supplier", "12").as_deref(), Some("/suppliers/12"));
        assert_eq!(link("supplier", "x"), None);
        assert_eq!(link("session", "3"), None);
    }
}
