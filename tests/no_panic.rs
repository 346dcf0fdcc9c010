//! Front-ends and the SQL reader never panic, whatever the text: property tests over
//! arbitrary input and over mutations of real source.

use proptest::prelude::*;
use seam::frontend::extract;
use seam::source::{FileKind, SourceFile};

fn file(kind: FileKind, rel: &str) -> SourceFile {
    SourceFile {
        rel: rel.to_owned(),
        abs: rel.into(),
        kind,
        stamp: None,
    }
}

const PYTHON: &str = include_str!("../fixtures/django-shop/orders/services.py");

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn python_extract_never_panics(text in "\\PC{0,400}") {
        let _ = extract(&file(FileKind::Python, "x.py"), &text);
    }

    #[test]
    fn python_extract_survives_cut_and_spliced_source(cut in 0usize..PYTHON.len(), insert in "[\\(\\)\\[\\]:'\"\\n ]{0,5}") {
        let cut = (0..=cut).rev().find(|&i| PYTHON.is_char_boundary(i)).unwrap();
        let text = format!("{}{insert}{}", &PYTHON[..cut], &PYTHON[cut..]);
        let _ = extract(&file(FileKind::Python, "x.py"), &text);
    }

    #[test]
    fn sql_never_panics(text in "\\PC{0,200}") {
        let _ = seam::sql::analyze_sql(&text);
        let _ = extract(&file(FileKind::Sql, "x.sql"), &text);
    }

    #[test]
    fn go_and_rust_extract_never_panic(text in "\\PC{0,300}") {
        let _ = extract(&file(FileKind::Go, "x.go"), &text);
        let _ = extract(&file(FileKind::GoMod, "go.mod"), &text);
        let _ = extract(&file(FileKind::Rust, "x.rs"), &text);
        let _ = extract(&file(FileKind::CargoToml, "Cargo.toml"), &text);
    }
}
