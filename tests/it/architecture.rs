//! The layering rules of `docs/ARCHITECTURE.md`, checked against the source:
//! a module that imports from a layer above it fails here with the offending
//! line. Also keeps files to 800 lines and functions to 120, a size a
//! maintainer can read.

use std::path::{Path, PathBuf};

/// A layer and what it must never name: crate modules (as `crate::X` or
/// `super::…` reaching them) and external crates.
struct Rule {
    layer: &'static str,
    forbidden_modules: &'static [&'static str],
    forbidden_crates: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        layer: "domain",
        forbidden_modules: &[
            "db",
            "handlers",
            "views",
            "import",
            "reporting",
            "auth",
            "state",
            "startup",
            "error",
            "register",
            "cli",
            "jobs",
        ],
        forbidden_crates: &["actix_web", "actix_multipart", "diesel"],
    },
    Rule {
        layer: "db",
        forbidden_modules: &[
            "handlers",
            "views",
            "import",
            "reporting",
            "auth",
            "state",
            "startup",
            "error",
            "register",
            "cli",
        ],
        forbidden_crates: &["actix_web", "actix_multipart"],
    },
    Rule {
        layer: "reporting",
        forbidden_modules: &["handlers", "views", "state", "startup", "error", "cli"],
        forbidden_crates: &["actix_web", "actix_multipart"],
    },
    // The web layer's floor is `state`: nothing below the top (`startup`,
    // `routes`, `cli`) is reached back into.
    Rule {
        layer: "auth",
        forbidden_modules: &["handlers", "views", "startup", "routes", "cli"],
        forbidden_crates: &[],
    },
    Rule {
        layer: "handlers",
        forbidden_modules: &["startup", "routes", "cli"],
        forbidden_crates: &[],
    },
    Rule {
        layer: "views",
        forbidden_modules: &["handlers", "startup", "cli"],
        forbidden_crates: &[],
    },
];

/// Files longer than this are split by concern.
const MAX_FILE_LINES: usize = 800;
/// Functions longer than this are split into named steps.
const MAX_FUNCTION_LINES: usize = 120;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/db/spend.rs` → `db`; `src/lib.rs` → `lib`.
fn layer_of(path: &Path) -> String {
    let rel = path.strip_prefix(src_dir()).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// The code of a line, without a `//` comment (doc comments name other
/// layers freely).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::X` a line of code names, and every external crate it
/// names in a path (`actix_web::…`).
fn names(line: &str) -> Vec<String> {
    let bytes = code(line).as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let word_at = |i: usize| -> String {
        bytes[i..]
            .iter()
            .take_while(|b| is_word(**b))
            .map(|b| char::from(*b))
            .collect()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // A path's first segment: not inside a word, not after `::`.
        let starts_path = is_word(bytes[i])
            && (i == 0
                || !(is_word(bytes[i - 1])
                    || (bytes[i - 1] == b':' && i >= 2 && bytes[i - 2] == b':')));
        if !starts_path {
            i += 1;
            continue;
        }
        let word = word_at(i);
        let after = i + word.len();
        if bytes[after..].starts_with(b"::") {
            if word == "crate" {
                out.push(format!("crate::{}", word_at(after + 2)));
            } else {
                out.push(word.clone());
            }
        }
        i = after;
    }
    out
}

fn violations() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in &files {
        let layer = layer_of(path);
        let Some(rule) = RULES.iter().find(|r| r.layer == layer) else {
            continue;
        };
        let text = std::fs::read_to_string(path).expect("read source");
        for (n, line) in text.lines().enumerate() {
            for name in names(line) {
                let bad = match name.strip_prefix("crate::") {
                    Some(module) => rule.forbidden_modules.contains(&module),
                    None => rule.forbidden_crates.contains(&name.as_str()),
                };
                if bad {
                    found.push(format!(
                        "{}:{}: `{}` names `{name}`, above the {layer} layer: {}",
                        path.strip_prefix(src_dir().parent().unwrap())
                            .unwrap()
                            .display(),
                        n + 1,
                        layer,
                        line.trim()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_layer_imports_from_a_layer_above_it() {
    let found = violations();
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn the_checker_catches_an_upward_import() {
    assert_eq!(names("use crate::handlers::redirect;"), ["crate::handlers"]);
    assert_eq!(
        names("    let x = crate::db::now(); // crate::views is fine in a comment"),
        ["crate::db"]
    );
    assert_eq!(names("use actix_web::{web, HttpResponse};"), ["actix_web"]);
    assert!(!names("let discrate::x = 1; // ⊂").contains(&"crate::x".to_owned()));
}

/// (path relative to the crate, function name, lines) of every function
/// longer than the limit, by brace matching from each `fn` line.
fn long_functions(text: &str, path: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = code(line).trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "async fn ",
            "pub async fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if !is_fn {
            continue;
        }
        let name: String = trimmed[trimmed.find("fn ").unwrap() + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0_i64;
        let mut opened = false;
        for (j, l) in lines.iter().enumerate().skip(i) {
            for ch in code(l).chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break,
                    _ => {}
                }
            }
            if !opened && code(l).trim_end().ends_with(';') {
                break;
            }
            if opened && depth == 0 {
                let length = j - i + 1;
                if length > MAX_FUNCTION_LINES {
                    out.push((format!("{path}::{name}"), length));
                }
                break;
            }
        }
    }
    out
}

#[test]
fn files_and_functions_stay_readable() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let root = src_dir().parent().unwrap().to_path_buf();
    let mut problems = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        // The schema is generated by diesel from the migrations.
        if rel == "src/db/schema.rs" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read source");
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            problems.push(format!("{rel} has {n} lines (limit {MAX_FILE_LINES})"));
        }
        for (name, length) in long_functions(&text, &rel) {
            problems.push(format!(
                "{name} has {length} lines (limit {MAX_FUNCTION_LINES})"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_size_check_finds_a_long_function() {
    let long = format!(
        "fn big() {{\n{}}}\n",
        "    let x = 1;\n".repeat(MAX_FUNCTION_LINES)
    );
    assert_eq!(
        long_functions(&long, "x.rs"),
        [("x.rs::big".to_owned(), MAX_FUNCTION_LINES + 2)]
    );
    let short = "pub fn small() {\n    1\n}\n";
    assert!(long_functions(short, "x.rs").is_empty());
}
