//! The palette's commands and how typing narrows them: pure.

use crate::model::{Me, PracticeId};
use crate::nav::rules::{section_in, sections_for};

/// A place the palette can take the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// What it says, e.g. "Calendar · Riverside Family Medicine".
    pub label: String,
    /// Words shown beside it, e.g. the key that does the same.
    pub hint: String,
    pub href: String,
}

/// Every command for `me`, the practice at hand first: its sections (those the person's
/// role there can use), then switching to each other practice (same section where it has
/// it), then every other practice's sections, then the rest.
pub fn commands(me: &Me, here: Option<PracticeId>, section: &str) -> Vec<Command> {
    let mut practices: Vec<_> = me.practices.iter().collect();
    practices.sort_by_key(|p| Some(p.id) != here);
    let mut out = Vec::new();
    for p in &practices {
        if Some(p.id) == here {
            for s in sections_for(me, p.id) {
                out.push(Command {
                    label: format!("{} · {}", s.label, p.name),
                    hint: format!("Alt+{}", s.key.to_uppercase()),
                    href: format!("/p/{}/{}", p.id, s.path),
                });
            }
            out.push(Command {
                label: format!("New task · {}", p.name),
                hint: "n".into(),
                href: format!("/p/{}/tasks?new", p.id),
            });
        } else {
            out.push(Command {
                label: format!("Switch to {}", p.name),
                hint: "practice".into(),
                href: format!("/p/{}/{}", p.id, section_in(me, p.id, section)),
            });
        }
    }
    for p in practices.iter().filter(|p| Some(p.id) != here) {
        for s in sections_for(me, p.id) {
            out.push(Command {
                label: format!("{} · {}", s.label, p.name),
                hint: String::new(),
                href: format!("/p/{}/{}", p.id, s.path),
            });
        }
    }
    out.push(Command {
        label: "Your account and two-factor sign-in".into(),
        hint: String::new(),
        href: "/account".into(),
    });
    if me.agency_admin {
        out.push(Command {
            label: "Agency: practices and people".into(),
            hint: String::new(),
            href: "/agency".into(),
        });
    }
    out
}

/// The commands matching `typed`, best first: every word typed must begin a word of the
/// label (ignoring the case of ASCII letters: Unicode case tables would cost the browser's
/// code more than they serve); labels whose first word matches come first, then the order
/// given. At most `limit`.
pub fn narrow<'a>(commands: &'a [Command], typed: &str, limit: usize) -> Vec<&'a Command> {
    let typed: Vec<String> = typed.split_whitespace().map(str::to_ascii_lowercase).collect();
    let mut hits: Vec<(bool, usize, &Command)> = commands
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let words: Vec<String> = c
                .label
                .split(|ch: char| ch.is_whitespace() || ch == '·')
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            let all = typed
                .iter()
                .all(|t| words.iter().any(|w| w.starts_with(t.as_str())));
            let first = typed
                .first()
                .is_some_and(|t| words.first().is_some_and(|w| w.starts_with(t.as_str())));
            all.then_some((!first, i, c))
        })
        .collect();
    hits.sort_by_key(|(later, i, _)| (*later, *i));
    hits.into_iter().take(limit).map(|(_, _, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PracticeSummary, Role, UserId};
    use uuid::Uuid;

    fn me(names: &[&str]) -> Me {
        let role = |n: &str| {
            if n.starts_with("Sunset") {
                Role::PracticeAdmin
            } else {
                Role::Assistant
            }
        };
        Me {
            id: UserId(Uuid::nil()),
            display_name: "Maya".into(),
            email: "m@x.test".into(),
            agency_admin: false,
            practices: names
                .iter()
                .map(|n| PracticeSummary {
                    id: PracticeId(Uuid::new_v4()),
                    name: (*n).into(),
                    time_zone: "UTC".into(),
                    role: role(n),
                })
                .collect(),
            idle_timeout_seconds: 900,
            time_zone: "UTC".into(),
            mfa_enabled: false,
            time_style: Default::default(),
            mfa_required: false,
            agency_practices: vec![],
        }
    }

    #[test]
    fn the_practice_at_hand_comes_first_then_switching_keeps_the_section() {
        let me = me(&["Riverside", "Sunset Pediatrics"]);
        let here = me.practices[1].id;
        let all = commands(&me, Some(here), "admin/settings");
        assert_eq!(all[0].label, "Inbox · Sunset Pediatrics");
        assert_eq!(all[0].hint, "Alt+I");
        assert_eq!(all[3].label, "Tasks · Sunset Pediatrics");
        assert_eq!(all[4].label, "Admin · Sunset Pediatrics", "an admin there");
        assert_eq!(
            (all[5].label.as_str(), all[5].href.clone()),
            ("New task · Sunset Pediatrics", format!("/p/{here}/tasks?new"))
        );
        // Riverside's assistant has no Admin: switching there lands on its inbox.
        assert_eq!(all[6].label, "Switch to Riverside");
        assert_eq!(all[6].href, format!("/p/{}/inbox", me.practices[0].id));
        let riverside = |path: &str| format!("/p/{}/{path}", me.practices[0].id);
        assert!(all.iter().any(|c| c.href == riverside("calendar")));
        assert!(!all.iter().any(|c| c.href == riverside("admin")));
        assert!(all.iter().any(|c| c.href == riverside("tasks")));
        assert!(!all.iter().any(|c| c.href.ends_with("/phone")), "not built yet");
        assert!(!all.iter().any(|c| c.href == "/agency"), "not an agency admin");
        assert_eq!(all.last().map(|c| c.href.as_str()), Some("/account"));
    }

    #[test]
    fn typing_narrows_by_word_beginnings_first_word_first() {
        let me = me(&["Riverside", "Sunset Pediatrics"]);
        let all = commands(&me, Some(me.practices[0].id), "inbox");
        let labels = |t: &str| {
            narrow(&all, t, 10)
                .into_iter()
                .map(|c| c.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(labels("cal sun"), vec!["Calendar · Sunset Pediatrics"]);
        assert_eq!(
            labels("ped"),
            vec![
                "Switch to Sunset Pediatrics",
                "Inbox · Sunset Pediatrics",
                "My day · Sunset Pediatrics",
                "Calendar · Sunset Pediatrics",
                "Tasks · Sunset Pediatrics",
                "Admin · Sunset Pediatrics"
            ]
        );
        // A label whose first word matches ("Switch") comes before those matching later.
        assert_eq!(labels("s")[0], "Switch to Sunset Pediatrics");
        assert!(labels("zebra").is_empty());
        assert_eq!(narrow(&all, "", 3).len(), 3, "nothing typed: the first few");
    }
}
