//! Scan planning: many rules evaluated in one pass over the lake, a column per rule, grouped by
//! the event names they require so that a hashed name filter runs before any payload is decoded.

use super::*;

/// Rules per scan: one query evaluates them all, a column per rule.
pub const RULES_PER_SCAN: usize = 128;

/// The scans the engine makes (`trailhound_query::sigma::run`), each with the indexes of its rules: the rules that name their
/// event names in scans of at most [`RULES_PER_SCAN`] that first keep only those names (one
/// hashed lookup per row, before any payload is decoded), the others in scans of their own.
pub fn scans(rules: &[SigmaRule], from: i64, until: i64) -> Vec<(Vec<usize>, String)> {
    // Correlations run on their own; rules only a correlation refers to are not reported.
    let (named, other): (Vec<usize>, Vec<usize>) = (0..rules.len())
        .filter(|&i| rules[i].correlation.is_none() && rules[i].standalone)
        .partition(|&i| rules[i].event_names.is_some());
    let day = |t: i64| -> String {
        trailhound_model::time::format_event_time(t)
            .chars()
            .take(10)
            .collect()
    };
    let (first_day, last_day) = (day(from), day(until.saturating_sub(1).max(from)));
    let mut out = Vec::new();
    for (group, filtered) in [(named, true), (other, false)] {
        for chunk in group.chunks(RULES_PER_SCAN) {
            let pre = if filtered {
                let names: std::collections::BTreeSet<&str> = chunk
                    .iter()
                    .flat_map(|&i| rules[i].event_names.iter().flatten().map(String::as_str))
                    .collect();
                let list: Vec<String> = names.iter().map(|n| quote(n)).collect();
                // NULL: a name the column could not hold is in `_extra` (the rules read it).
                format!(
                    " AND (eventname IS NULL OR lower(eventname) IN ({}))",
                    list.join(", ")
                )
            } else {
                String::new()
            };
            let flags: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(k, &i)| format!("{} AS r{k}", rules[i].predicate))
                .collect();
            // With the names' filter the rules are evaluated on its rows only, as columns (not
            // also as a filter the scan would try to prune with: a large OR prunes nothing and
            // costs its evaluation per row group); without it they filter the scan.
            let any = if filtered {
                String::new()
            } else {
                let p: Vec<&str> = chunk.iter().map(|&i| rules[i].predicate.as_str()).collect();
                format!(" AND ({})", p.join(" OR "))
            };
            // Events without an `eventTime` are placed on the day of their log's delivery
            // folder (their `date` partition, or `unknown` outside CloudTrail's layout): a
            // second scan finds those of the window's days, and every `unknown` one, so that
            // the windowed scan stays pruned by date.
            let select = format!(
                "SELECT to_char(eventtime, '%Y-%m-%dT%H:%M:%SZ') AS eventtime, eventid, eventname, eventsource, \
                   user_display_name(useridentity) AS principal, sourceipaddress, account, region, {} \
                 FROM cloudtrail WHERE",
                flags.join(", "),
            );
            let sql = format!(
                "{select} eventtime >= to_timestamp_micros({from}) \
                   AND eventtime < to_timestamp_micros({until}){pre}{any} \
                 UNION ALL \
                 {select} eventtime IS NULL AND (\"date\" = '{UNKNOWN_DATE}' \
                   OR (\"date\" >= '{first_day}' AND \"date\" <= '{last_day}')){pre}{any}",
            );
            out.push((chunk.to_vec(), sql));
        }
    }
    out
}
