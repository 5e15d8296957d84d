//! Sigma rules (the security community's detection format) run natively over the lake: each rule
//! whose logsource is `product: aws, service: cloudtrail` is translated into one SQL predicate
//! over the lake's typed columns, and a whole folder of rules runs as one scan (a column per
//! rule), not one query per rule.
//!
//! Semantics as the Sigma specification states them: strings match case-insensitively unless
//! `|cased`; `*` and `?` are wildcards, `\` escapes them and itself; a value list is an OR (`|all`:
//! AND); a map is an AND, a list of maps an OR; `null` is a field that is absent or JSON null.
//! Modifiers: contains, startswith, endswith, all, re (with i, m, s), cidr, exists, cased, neq,
//! windash, base64, base64offset, utf16le/utf16be/utf16/wide, fieldref, gt/gte/lt/lte.
//! Conditions: and, or, not, parentheses, `1 of x*`, `all of x*`, `1 of them`, `all of them`.
//! Dotted fields are CloudTrail paths: known keys are typed columns and struct fields, payload
//! keys are read from the JSON text with [`json_values`](trailhound_query::functions::json_values),
//! which reaches into arrays (any element matching is a match). A missing field makes its
//! condition false (so `not filter` holds), never SQL's unknown.
//!
//! Keywords (field-less strings) are searched case-insensitively in the event's text columns.
//! Correlation rules (`event_count`, `value_count`, `temporal`, with `group-by`, `timespan` and
//! `aliases`) are windowed SQL over their rules' matches: a sliding window ending at each match.
//!
//! A construct not supported here (`temporal_ordered`, placeholders, time-part modifiers, other
//! logsources) is named with its rule and file; the other rules still run.

mod condition;
mod correlation;
mod detection;
mod field;
mod load;
mod scan;
mod value;

pub use correlation::{correlation_sql, link};
pub use detection::translate;
pub use load::{load, load_text};
pub use scan::{scans, RULES_PER_SCAN};

// The stages share their helpers through this module: each `use super::*`.
use condition::*;
use correlation::*;
use detection::*;
use field::*;
use load::*;
use value::*;

use std::path::{Path, PathBuf};

use trailhound_model::lake::UNKNOWN_DATE;
use trailhound_model::schema::{Kind, RECORD};
use yaml_serde::{Mapping, Value as Y};

use crate::compile::{extra_has, find, quote, resolve, Target};
use crate::pattern::Step;
use crate::{Error, Result};

/// A rule translated to SQL.
#[derive(Debug, Clone)]
pub struct SigmaRule {
    pub file: String,
    pub title: String,
    pub id: Option<String>,
    pub level: String,
    pub tags: Vec<String>,
    pub description: String,
    /// The rule's detection as one SQL predicate over `cloudtrail`.
    pub predicate: String,
    /// The event names (lower case) a match must have, when the rule names them.
    pub event_names: Option<Vec<String>>,
    /// The rule's `name`, by which correlation rules may refer to it (or by its id).
    pub name: Option<String>,
    /// Whether its matches are reported on their own: not for a rule a correlation refers to
    /// (unless the correlation says `generate: true`), as the specification has it.
    pub standalone: bool,
    /// For a correlation rule: the windows it counts over its rules' matches.
    pub correlation: Option<Correlation>,
}

/// A correlation rule (Sigma 2): matches of other rules counted in a sliding window per group.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub kind: CorrelationKind,
    /// The rules it refers to (names or ids), as written.
    pub refs: Vec<String>,
    /// Their predicates once linked: (reference, SQL predicate).
    pub bases: Vec<(String, String)>,
    pub group_by: Vec<String>,
    /// `aliases`: a group-by name to each rule's own field name.
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    pub timespan_secs: i64,
    /// `gt`, `gte`, `lt`, `lte`, `eq` thresholds, all of which must hold.
    pub condition: Vec<(&'static str, i64)>,
    generate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrelationKind {
    EventCount,
    /// Distinct values of the field.
    ValueCount(String),
    /// Distinct rules matched (all of them unless a condition says otherwise).
    Temporal,
}

/// A rule (or document) that does not run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: String,
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct SigmaSet {
    pub rules: Vec<SigmaRule>,
    pub skipped: Vec<Skipped>,
}

/// ATT&CK technique ids among a rule's tags: `attack.t1078.004` is `T1078.004`.
pub fn techniques(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| t.strip_prefix("attack.t"))
        .filter(|t| {
            t.split('.')
                .next()
                .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|t| format!("T{}", t.to_ascii_uppercase()))
        .collect()
}

#[cfg(test)]
mod tests;
