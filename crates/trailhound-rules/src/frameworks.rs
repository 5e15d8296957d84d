//! Compliance frameworks as reports: PCI DSS v4.0, SOC 2 and the HIPAA Security Rule, each a
//! list of controls stated in our own words with their reference, mapped to the saved queries that
//! evidence them. A control's status comes from what its queries found and from the data itself,
//! judged in this order, so that no status hides findings:
//!
//! - `review`: a query that flags exceptions (failed sign-ins, logging stopped…) found some;
//! - `error`: a query could not run;
//! - `not-evidenced`: CloudTrail alone cannot show it (a review process, data access when the
//!   trail logs no data events, a period without events), said in the control's note;
//! - `gap`: days without events where a region otherwise logs daily: the record is incomplete;
//! - `no-evidence`: nothing flagged, but none of the events that show the control were recorded;
//! - `evidenced`: every query ran, none flagged anything, no gaps, and the events that show the
//!   control are there (a count above 0).
//!
//! `cis` is the `compliance` category of the catalog, unchanged.

use serde::Serialize;

use crate::report::Report;

/// What a query's rows mean for a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The rows are the recorded events the control asks for: evidence, not exceptions.
    Shows,
    /// The rows are exceptions to review.
    Flags,
}

#[derive(Debug)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    /// The requirement in our words, as it applies to an AWS account's CloudTrail.
    pub text: &'static str,
    pub queries: &'static [(&'static str, Role)],
    /// Needs data events (S3 object reads, Lambda invocations): management events alone cannot
    /// show it.
    pub data_events: bool,
    /// Why CloudTrail alone cannot evidence it, when it cannot: the control is never passed.
    pub not_evidenced: Option<&'static str>,
}

#[derive(Debug)]
pub struct Framework {
    pub name: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub controls: &'static [Control],
}

use Role::{Flags, Shows};

const REVIEW_IS_A_PROCESS: &str = "Reviewing logs is something people do; CloudTrail records API \
    calls, not that someone read them. This report is input to the review: keep a record of who \
    reviewed it, when, and what was followed up.";

pub const FRAMEWORKS: &[Framework] = &[
    Framework {
        name: "pci-dss",
        title: "PCI DSS v4.0, requirement 10 (log and monitor access)",
        intro: "Requirement 10 asks that access to system components and cardholder data be \
            logged, the logs be protected, and reviewed. For an AWS account, CloudTrail is the \
            audit log of the control plane (and of data access when data events are on).",
        controls: &[
            Control {
                id: "10.2.1",
                title: "Audit logs are enabled and active",
                text: "Audit logging runs for every system component: the trail logged every day \
                    of the period in every region it covers, and was not stopped or redirected.",
                queries: &[
                    ("cloudtrail-tampering", Flags),
                    ("cis-4.05-cloudtrail-changes", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.1",
                title: "Individual user access to cardholder data is logged",
                text: "Every read and write of stores holding cardholder data is recorded with \
                    who did it. In CloudTrail that takes data events (S3 object-level, DynamoDB, \
                    Lambda) for those resources.",
                queries: &[("sensitive-resource-access", Shows)],
                data_events: true,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.2",
                title: "Actions by administrators are logged",
                text: "Everything done with administrative access (the root user, administrator \
                    roles and users) is recorded; use of the root user is flagged.",
                queries: &[
                    ("privileged-activity", Shows),
                    ("root-login-and-use", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.3",
                title: "Access to audit logs is logged",
                text: "Reads of the audit trail itself (event history lookups, CloudTrail Lake \
                    queries, reads of the log bucket) are recorded.",
                queries: &[("audit-log-access", Shows)],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.4",
                title: "Invalid logical access attempts are logged",
                text: "Failed sign-ins and calls refused for lack of permission are recorded and \
                    looked at.",
                queries: &[
                    ("cis-4.06-console-auth-failures", Flags),
                    ("failed-console-login-burst", Flags),
                    ("cis-4.01-unauthorized-api-calls", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.5",
                title: "Changes to identification and authentication credentials are logged",
                text: "Creating users and keys, changing passwords, MFA devices and permissions, \
                    and granting administrative access are recorded; the risky ones are flagged.",
                queries: &[
                    ("cis-4.04-iam-policy-changes", Shows),
                    ("iam-user-created", Shows),
                    ("access-key-for-other-user", Flags),
                    ("admin-policy-attached", Flags),
                    ("new-user-given-admin", Flags),
                    ("mfa-device-removed", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.6",
                title: "Starting, stopping or pausing audit logs is logged",
                text: "Trails created, stopped, deleted or reconfigured, and changes to the log \
                    bucket, are recorded and flagged.",
                queries: &[
                    ("cloudtrail-tampering", Flags),
                    ("logging-monitoring-changes", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.1.7",
                title: "Creation and deletion of system-level objects is logged",
                text: "Resources created and deleted (instances, databases, networks, keys, \
                    functions) are recorded with who did it.",
                queries: &[
                    ("system-objects-created-or-deleted", Shows),
                    ("destructive-actions", Shows),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.2.2",
                title: "Each audit record holds the required details",
                text: "Every record names the user, the type of event, date and time, success or \
                    failure, where it came from and what it touched. Records missing the caller \
                    or its origin are flagged.",
                queries: &[("audit-record-completeness", Flags)],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.3",
                title: "Audit logs are protected from destruction and unauthorised change",
                text: "Nobody deletes, shortens or rewrites the logs: changes to the trail, its \
                    bucket's versioning and logging are flagged. The log files' integrity itself \
                    is checked by `trailhound verify` against CloudTrail's digest chains.",
                queries: &[
                    ("cloudtrail-tampering", Flags),
                    ("s3-bucket-versioning-suspended", Flags),
                    ("cloudwatch-logs-deleted-or-shortened", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "10.4",
                title: "Audit logs are reviewed",
                text: "Security events and the logs of critical components are reviewed at least \
                    daily, and exceptions followed up.",
                queries: &[],
                data_events: false,
                not_evidenced: Some(REVIEW_IS_A_PROCESS),
            },
        ],
    },
    Framework {
        name: "soc2",
        title: "SOC 2 (Trust Services Criteria, common criteria CC6–CC8)",
        intro: "The common criteria on logical access, system operations and change management \
            that an AWS account's CloudTrail can give evidence for.",
        controls: &[
            Control {
                id: "CC6.1",
                title: "Logical access is protected",
                text: "Sign-in uses strong authentication: console sign-ins with MFA, the root \
                    user not used, no sign-ins without MFA.",
                queries: &[
                    ("console-signin-mfa", Shows),
                    ("cis-4.02-console-login-without-mfa", Flags),
                    ("root-login-and-use", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "CC6.2",
                title: "Users are registered and authorised before access",
                text: "New users, keys and console passwords are created through the expected \
                    process; users given keys the hour they are created, and keys made for \
                    someone else, are flagged.",
                queries: &[
                    ("iam-user-created", Shows),
                    ("new-access-key-for-new-user", Flags),
                    ("access-key-for-other-user", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "CC6.3",
                title: "Access is granted, changed and removed by role",
                text: "Permission changes are recorded; administrative access granted to users, \
                    roles or groups is flagged.",
                queries: &[
                    ("cis-4.04-iam-policy-changes", Shows),
                    ("identity-center-permission-changes", Shows),
                    ("admin-policy-attached", Flags),
                    ("new-user-given-admin", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "CC7.2",
                title: "System components are monitored for anomalies",
                text: "Signs of attack are detected: sign-in and permission-denied bursts, \
                    offensive tooling, activity in new regions, and monitoring switched off.",
                queries: &[
                    ("failed-console-login-burst", Flags),
                    ("unauthorized-calls-burst", Flags),
                    ("offensive-tool-user-agents", Flags),
                    ("new-region-for-account", Flags),
                    ("security-services-disabled", Flags),
                    ("logging-monitoring-changes", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "CC7.3",
                title: "Security events are evaluated",
                text: "Detected events are evaluated to decide whether they are incidents.",
                queries: &[],
                data_events: false,
                not_evidenced: Some(REVIEW_IS_A_PROCESS),
            },
            Control {
                id: "CC8.1",
                title: "Changes to infrastructure are recorded",
                text: "Changes to networks, security groups and configuration recording are \
                    recorded with who made them, for comparison with approved changes.",
                queries: &[
                    ("system-objects-created-or-deleted", Shows),
                    ("cis-4.10-security-group-changes", Shows),
                    ("cis-4.14-vpc-changes", Shows),
                    ("cis-4.09-config-changes", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
        ],
    },
    Framework {
        name: "hipaa",
        title: "HIPAA Security Rule (45 CFR 164.308 and 164.312)",
        intro: "The audit, activity-review and log-in monitoring safeguards, for systems holding \
            electronic protected health information in an AWS account.",
        controls: &[
            Control {
                id: "164.312(b)",
                title: "Audit controls",
                text: "Activity in systems holding ePHI is recorded and the recording is kept \
                    running: the trail logged every day, was not stopped, and access to sensitive \
                    stores is recorded (data events).",
                queries: &[
                    ("cloudtrail-tampering", Flags),
                    ("logging-monitoring-changes", Flags),
                    ("sensitive-resource-access", Shows),
                ],
                data_events: true,
                not_evidenced: None,
            },
            Control {
                id: "164.308(a)(1)(ii)(D)",
                title: "Information system activity review",
                text: "Records of activity (audit logs, access reports, incident reports) are \
                    reviewed regularly.",
                queries: &[],
                data_events: false,
                not_evidenced: Some(REVIEW_IS_A_PROCESS),
            },
            Control {
                id: "164.308(a)(5)(ii)(C)",
                title: "Log-in monitoring",
                text: "Log-in attempts are monitored and discrepancies reported: every console \
                    sign-in with its outcome and MFA use, failures and bursts of them flagged.",
                queries: &[
                    ("console-signin-mfa", Shows),
                    ("cis-4.06-console-auth-failures", Flags),
                    ("failed-console-login-burst", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
            Control {
                id: "164.312(d)",
                title: "Person or entity authentication",
                text: "People are who they claim to be: console sign-ins use MFA and MFA devices \
                    are not removed.",
                queries: &[
                    ("console-login-without-mfa", Flags),
                    ("mfa-device-removed", Flags),
                ],
                data_events: false,
                not_evidenced: None,
            },
        ],
    },
];

/// The framework named `name` (`pci-dss`, `soc2`, `hipaa`; `pci`, `soc-2` also accepted).
pub fn framework(name: &str) -> Option<&'static Framework> {
    let n = name.to_ascii_lowercase().replace('_', "-");
    let n = match n.as_str() {
        "pci" | "pcidss" | "pci-dss-v4" => "pci-dss",
        "soc-2" => "soc2",
        other => other,
    };
    FRAMEWORKS.iter().find(|f| f.name == n)
}

impl Framework {
    /// Every query the framework runs, once each, in control order.
    pub fn queries(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in self.controls {
            for (q, _) in c.queries {
                if !out.contains(q) {
                    out.push(q);
                }
            }
        }
        out
    }
}

/// One control's result.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub text: String,
    /// `evidenced`, `review`, `gap`, `not-evidenced` or `error`.
    pub status: String,
    /// Why, in a sentence.
    pub note: String,
    pub evidence: Vec<Evidence>,
}

/// A query behind a control, with what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub query: String,
    pub title: String,
    pub role: Role,
    pub count: usize,
    pub error: Option<String>,
}

/// The framework part of a report: its controls and their status.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkResult {
    pub name: String,
    pub title: String,
    pub intro: String,
    pub controls: Vec<ControlResult>,
}

impl FrameworkResult {
    pub fn count(&self, status: &str) -> usize {
        self.controls.iter().filter(|c| c.status == status).count()
    }
}

/// Judges each control from the report's sections (one per query) and its coverage.
/// `data_events` is the number of data events in the period.
pub fn evaluate(fw: &Framework, report: &Report, data_events: u64) -> FrameworkResult {
    let gaps = report.coverage.gap_count();
    let no_data = report.coverage.events == 0;
    let controls = fw
        .controls
        .iter()
        .map(|c| {
            let evidence: Vec<Evidence> = c
                .queries
                .iter()
                .map(|(q, role)| {
                    let s = report.sections.iter().find(|s| s.name == *q);
                    Evidence {
                        query: q.to_string(),
                        title: s.map(|s| s.title.clone()).unwrap_or_default(),
                        role: *role,
                        count: s.map(|s| s.count).unwrap_or(0),
                        error: match s {
                            Some(s) => s.error.clone(),
                            None => Some(format!("no saved query named {q}")),
                        },
                    }
                })
                .collect();
            let flagged: usize = evidence
                .iter()
                .filter(|e| e.role == Flags)
                .map(|e| e.count)
                .sum();
            let has_shows = evidence.iter().any(|e| e.role == Shows);
            let shown: usize = evidence
                .iter()
                .filter(|e| e.role == Shows)
                .map(|e| e.count)
                .sum();
            let failed = evidence.iter().find(|e| e.error.is_some());
            // Findings first: no other status may hide them.
            let (status, note) = if let Some(why) = c.not_evidenced {
                ("not-evidenced", why.to_string())
            } else if flagged > 0 {
                let mut note = format!(
                    "{flagged} finding{} to review.",
                    if flagged == 1 { "" } else { "s" }
                );
                if let Some(e) = failed {
                    note.push_str(&format!(
                        " {} could not run: {}",
                        e.query,
                        e.error.as_deref().unwrap_or("")
                    ));
                }
                ("review", note)
            } else if let Some(e) = failed {
                (
                    "error",
                    format!(
                        "{} could not run: {}",
                        e.query,
                        e.error.as_deref().unwrap_or("")
                    ),
                )
            } else if no_data {
                (
                    "not-evidenced",
                    "The lake has no events in the period: nothing is evidenced.".to_string(),
                )
            } else if c.data_events && data_events == 0 {
                (
                    "not-evidenced",
                    "The trail logged no data events in the period: access to the data itself \
                     is not recorded (turn on data events for the stores in scope)."
                        .to_string(),
                )
            } else if gaps > 0 {
                (
                    "gap",
                    format!(
                        "{gaps} day(s) without events in regions that otherwise log daily: the \
                         record is incomplete there."
                    ),
                )
            } else if has_shows && shown == 0 {
                (
                    "no-evidence",
                    "Nothing flagged, but none of the events that show this control were \
                     recorded in the period: there is nothing to evidence it with."
                        .to_string(),
                )
            } else {
                let shown: Vec<String> = evidence
                    .iter()
                    .filter(|e| e.role == Shows)
                    .map(|e| format!("{} {}", e.count, e.query))
                    .collect();
                (
                    "evidenced",
                    if shown.is_empty() {
                        "Nothing flagged, and the lake has no gaps in the period.".to_string()
                    } else {
                        format!("Nothing flagged, no gaps; recorded: {}.", shown.join(", "))
                    },
                )
            };
            ControlResult {
                id: c.id.to_string(),
                title: c.title.to_string(),
                text: c.text.split_whitespace().collect::<Vec<_>>().join(" "),
                status: status.to_string(),
                note: note.split_whitespace().collect::<Vec<_>>().join(" "),
                evidence,
            }
        })
        .collect();
    FrameworkResult {
        name: fw.name.to_string(),
        title: fw.title.to_string(),
        intro: fw.intro.split_whitespace().collect::<Vec<_>>().join(" "),
        controls,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::{Coverage, RegionCoverage, Section};

    fn section(name: &str, count: usize) -> Section {
        Section {
            name: name.into(),
            title: name.into(),
            severity: "low".into(),
            description: String::new(),
            references: Vec::new(),
            attack: Vec::new(),
            status: if count > 0 { "findings" } else { "none" }.into(),
            count,
            columns: Vec::new(),
            rows: Vec::new(),
            error: None,
            time_column: None,
            per_day: BTreeMap::new(),
        }
    }

    /// A week of events in one region, every day present, and these sections.
    fn report(sections: Vec<Section>) -> Report {
        let days: BTreeMap<String, u64> = (1..=7).map(|d| (format!("2024-08-0{d}"), 10)).collect();
        Report {
            kind: "t".into(),
            from: "2024-08-01T00:00:00Z".into(),
            until: "2024-08-08T00:00:00Z".into(),
            coverage: Coverage {
                events: 70,
                first_event: None,
                last_event: None,
                accounts: vec!["1".into()],
                regions: vec!["us-east-1".into()],
                by_region: vec![RegionCoverage {
                    account: "1".into(),
                    region: "us-east-1".into(),
                    events: 70,
                    days,
                    gaps: Vec::new(),
                }],
            },
            framework: None,
            sections,
        }
    }

    fn status(fw: &str, control: &str, r: &Report, data_events: u64) -> (String, String) {
        let f = evaluate(framework(fw).unwrap(), r, data_events);
        let c = f.controls.iter().find(|c| c.id == control).unwrap();
        (c.status.clone(), c.note.clone())
    }

    #[test]
    fn findings_are_never_hidden_behind_missing_data_events() {
        // 10.2.1.5 flags privilege changes: a user granting himself `*:*` makes it "review",
        // whatever else the period lacks (here, data events).
        let r = report(vec![
            section("cis-4.04-iam-policy-changes", 3),
            section("iam-user-created", 0),
            section("access-key-for-other-user", 0),
            section("admin-policy-attached", 1),
            section("new-user-given-admin", 0),
            section("mfa-device-removed", 0),
        ]);
        let (s, note) = status("pci-dss", "10.2.1.5", &r, 0);
        assert_eq!(s, "review", "{note}");
        assert!(note.starts_with("1 finding to review"), "{note}");
    }

    #[test]
    fn evidenced_needs_recorded_events() {
        let none = report(vec![
            section("system-objects-created-or-deleted", 0),
            section("destructive-actions", 0),
        ]);
        let (s, note) = status("pci-dss", "10.2.1.7", &none, 0);
        assert_eq!(s, "no-evidence", "{note}");
        let some = report(vec![
            section("system-objects-created-or-deleted", 2),
            section("destructive-actions", 0),
        ]);
        let (s, note) = status("pci-dss", "10.2.1.7", &some, 0);
        assert_eq!(s, "evidenced", "{note}");
        assert!(
            note.contains("recorded: 2 system-objects-created-or-deleted"),
            "{note}"
        );
    }

    #[test]
    fn a_console_sign_in_without_mfa_contradicts_the_mfa_control() {
        let r = report(vec![
            section("console-login-without-mfa", 3),
            section("mfa-device-removed", 0),
        ]);
        let (s, note) = status("hipaa", "164.312(d)", &r, 0);
        assert_eq!(s, "review", "{note}");
    }
}
