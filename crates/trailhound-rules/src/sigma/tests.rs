//! Translation of single rules: strings, wildcards, pruning, event names, what is refused, encodings.

use super::*;

fn rule(yaml: &str) -> std::result::Result<SigmaRule, String> {
    let m: Mapping = yaml_serde::from_str(yaml).unwrap();
    translate(&m, "t.yml")
}

const HEAD: &str = "title: t\nlogsource: {product: aws, service: cloudtrail}\n";

#[test]
fn strings_wildcards_and_escapes() {
    assert_eq!(
        parts(r"a\*b*c?\\d\x"),
        vec![
            Part::Lit("a*b".into()),
            Part::Any,
            Part::Lit("c".into()),
            Part::One,
            Part::Lit(r"\d\x".into())
        ]
    );
    assert_eq!(like_pattern(&parts("a_%*")), r"a\_\%%");
}

#[test]
fn equality_keeps_a_prunable_range() {
    let r = rule(&format!(
        "{HEAD}detection:\n  sel:\n    eventName: ConsoleLogin\n  condition: sel\n"
    ))
    .unwrap();
    assert!(
        r.predicate
            .contains("eventname >= 'CONSOLELOGIN' AND eventname <= 'consolelogin'"),
        "{}",
        r.predicate
    );
    assert!(r.predicate.contains("lower((CASE WHEN"), "{}", r.predicate);
}

#[test]
fn event_names_are_collected_where_they_are_necessary() {
    let names = |det: &str| {
        rule(&format!("{HEAD}detection:\n{det}"))
            .unwrap()
            .event_names
    };
    assert_eq!(
        names("  sel: {eventName: [RunTask, StartTask], requestParameters.x: y}\n  filter: {eventName: Other}\n  condition: sel and not filter\n"),
        Some(vec!["runtask".to_string(), "starttask".to_string()])
    );
    assert_eq!(
        names("  a: {eventName: A}\n  b: {eventName: B}\n  condition: 1 of them\n"),
        Some(vec!["a".to_string(), "b".to_string()])
    );
    // An OR branch without names, a wildcard, or a negation: any name.
    assert_eq!(
        names("  a: {eventName: A}\n  b: {userAgent: x}\n  condition: a or b\n"),
        None
    );
    assert_eq!(names("  a: {eventName: Get*}\n  condition: a\n"), None);
    assert_eq!(names("  a: {eventName: A}\n  condition: not a\n"), None);
}

#[test]
fn what_is_not_supported_is_named() {
    let e = rule(&format!(
        "{HEAD}detection:\n  keywords: [x, {{a: b}}]\n  condition: keywords\n"
    ))
    .unwrap_err();
    assert!(
        e.contains("neither a map, a list of maps nor keywords"),
        "{e}"
    );
    let e = rule("title: t\ncorrelation: {type: temporal_ordered, rules: [a, b], timespan: 5m}\n")
        .unwrap_err();
    assert!(e.contains("temporal_ordered"), "{e}");
    let e = rule("title: t\ncorrelation: {type: event_count, rules: [a], timespan: 5x, condition: {gte: 2}}\n")
        .unwrap_err();
    assert!(e.contains("the unit must be s, m, h, d or w"), "{e}");
    let e = rule("title: t\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n").unwrap_err();
    assert!(
        e.contains(
            "product: windows, service: -, category: process_creation is not AWS CloudTrail"
        ),
        "{e}"
    );
    let e = rule(&format!(
        "{HEAD}detection:\n  s: {{eventName|foo: x}}\n  condition: s\n"
    ))
    .unwrap_err();
    assert!(e.contains("unknown modifier \"foo\""), "{e}");
    let e = rule(&format!(
        "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: s | count() > 5\n"
    ))
    .unwrap_err();
    assert!(e.contains("aggregation"), "{e}");
    let e = rule(&format!(
        "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: 1 of f*\n"
    ))
    .unwrap_err();
    assert!(e.contains("names no search identifier"), "{e}");
    let e = rule(&format!(
        "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: s and t\n"
    ))
    .unwrap_err();
    assert!(
        e.contains("\"t\", which the detection does not define"),
        "{e}"
    );
}

#[test]
fn encodings_give_the_alternatives_sigma_defines() {
    assert_eq!(
        transform(vec!["ab".into()], "base64").unwrap(),
        vec!["YWI="]
    );
    // The three alignments of "ping" in a longer base64 text.
    assert_eq!(
        transform(vec!["ping".into()], "base64offset").unwrap(),
        vec!["cGluZ", "Bpbm", "waW5n"]
    );
    let w = transform(vec!["a -x /y".into()], "windash").unwrap();
    assert_eq!(w.len(), 25);
    assert!(w.contains(&"a /x -y".to_string()));
    assert!(glob("sel_*", "sel_a") && !glob("sel_*", "filter") && glob("*", "x"));
}

#[test]
fn a_regular_expression_the_engine_rejects_skips_its_rule_only() {
    // A look-ahead: valid in PCRE, not in the engine's regex syntax.
    let e = rule(&format!(
        "{HEAD}detection:\n  s: {{userAgent|re: '^(?!aws-cli).*$'}}\n  condition: s\n"
    ))
    .unwrap_err();
    assert!(
        e.contains(
            "userAgent|re: \"^(?!aws-cli).*$\" is not a regular expression the engine accepts"
        ),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    // `dotall` is the `s` flag, `ignorecase` the `i` flag.
    let r = rule(&format!(
        "{HEAD}detection:\n  s: {{userAgent|re|dotall|ignorecase: 'a.b'}}\n  condition: s\n"
    ))
    .unwrap();
    assert!(r.predicate.contains("'(?si)a.b'"), "{}", r.predicate);
    // In a set, the other rules still load.
    let mut set = SigmaSet::default();
    load_text(
        &format!("{HEAD}detection:\n  s: {{userAgent|re: '(?<=x)y'}}\n  condition: s\n---\n{HEAD}detection:\n  s: {{eventName: ConsoleLogin}}\n  condition: s\n"),
        "two.yml",
        &mut set,
    );
    assert_eq!(set.rules.len(), 1);
    assert_eq!(set.skipped.len(), 1, "{:?}", set.skipped);
    assert!(
        set.skipped[0].reason.contains("not a regular expression"),
        "{:?}",
        set.skipped
    );
}
