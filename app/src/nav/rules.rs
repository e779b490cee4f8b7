//! Which page an address names, and its query: pure, the same on the server and in the
//! browser (hydration depends on both reading an address alike).

use crate::model::{Me, PracticeId, Role};

/// A page of the app, as named by an address's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// `/login`
    Login,
    /// `/`: sends the person on to their first practice.
    Home,
    /// `/account`
    Account,
    /// `/forgot`
    Forgot,
    /// `/reset/:token`
    Reset(String),
    /// `/agency`
    Agency,
    /// `/agency/mail`
    SentMail,
    /// `/a/:token`: a patient's appointment link.
    AppointmentLink(String),
    /// `/w/:token`: a waitlist offer.
    SlotOffer(String),
    /// `/invite/:token`
    Invitation(String),
    /// `/p/:practice/...`; `None` when the id is not one.
    Practice(Option<PracticeId>, Section),
    NotFound,
}

/// A section of a practice's workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// `/p/:practice` and `/p/:practice/inbox`
    Inbox,
    Today,
    Calendar,
    Tasks,
    Admin,
    AdminSettings,
    AdminLog,
    /// Any other single segment: a section a later issue fills, or not found.
    Other(String),
}

impl Section {
    /// Its path segment(s) after `/p/:practice/`.
    pub fn key(&self) -> &str {
        match self {
            Section::Inbox => "inbox",
            Section::Today => "today",
            Section::Calendar => "calendar",
            Section::Tasks => "tasks",
            Section::Admin => "admin",
            Section::AdminSettings => "admin/settings",
            Section::AdminLog => "admin/log",
            Section::Other(s) => s,
        }
    }
}

/// Who a section of the workspace is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone who may open the practice: its members, and agency admins as the agency.
    Everyone,
    /// Its members only: their pages hold patients' data, closed to the agency.
    Members,
    /// Its practice admins, and agency admins.
    Admins,
}

/// A section in the top bar: its path under `/p/:practice/`, its label, the key that opens
/// it with Alt, and who sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionLink {
    pub path: &'static str,
    pub label: &'static str,
    pub key: &'static str,
    pub audience: Audience,
}

/// The workspace's sections that are built. Those still to come (tasks, phone, timesheets,
/// patients) keep their addresses, which say what is coming, but stay out of the top bar
/// and the palette until they are.
pub const SECTIONS: [SectionLink; 5] = [
    SectionLink {
        path: "inbox",
        label: "Inbox",
        key: "i",
        audience: Audience::Everyone,
    },
    SectionLink {
        path: "today",
        label: "My day",
        key: "y",
        audience: Audience::Members,
    },
    SectionLink {
        path: "calendar",
        label: "Calendar",
        key: "c",
        audience: Audience::Members,
    },
    SectionLink {
        path: "tasks",
        label: "Tasks",
        key: "k",
        audience: Audience::Members,
    },
    SectionLink {
        path: "admin",
        label: "Admin",
        key: "a",
        audience: Audience::Admins,
    },
];

impl Audience {
    /// Whether a person with `role` in the practice (None: not a member) sees the section.
    pub fn admits(self, role: Option<Role>, agency_admin: bool) -> bool {
        match self {
            Audience::Everyone => role.is_some() || agency_admin,
            Audience::Members => role.is_some(),
            Audience::Admins => role == Some(Role::PracticeAdmin) || agency_admin,
        }
    }
}

/// The sections `me` sees in `practice`, in the top bar's order.
pub fn sections_for(me: &Me, practice: PracticeId) -> Vec<SectionLink> {
    let role = me.practice(practice).map(|p| p.role);
    SECTIONS
        .into_iter()
        .filter(|s| s.audience.admits(role, me.agency_admin))
        .collect()
}

/// The section to show on moving to `practice` from the section at `key` (e.g. "admin/log"):
/// the same, where the person sees it there; else the practice's inbox.
pub fn section_in<'a>(me: &Me, practice: PracticeId, key: &'a str) -> &'a str {
    let top = key.split('/').next().unwrap_or(key);
    let hidden =
        SECTIONS.iter().any(|s| s.path == top) && !sections_for(me, practice).iter().any(|s| s.path == top);
    if hidden {
        "inbox"
    } else {
        key
    }
}

/// The practice's name as `me` knows it: one of theirs, or (agency admins) the agency's.
pub fn practice_name(me: &Me, practice: PracticeId) -> Option<&str> {
    me.practices
        .iter()
        .chain(&me.agency_practices)
        .find(|p| p.id == practice)
        .map(|p| p.name.as_str())
}

/// The document's title: the page, then the practice it belongs to, then the product, e.g.
/// "Calendar · Riverside Family Medicine · Switchboard".
pub fn title(page: &Page, practice: Option<&str>) -> String {
    let name = match page {
        Page::Login => "Sign in",
        Page::Home => "",
        Page::Account => "Your account",
        Page::Forgot => "Forgotten password",
        Page::Reset(_) => "Choose a new password",
        Page::Agency => "Agency: practices",
        Page::SentMail => "Agency: sent mail",
        Page::AppointmentLink(_) => "Your appointment",
        Page::SlotOffer(_) => "An earlier appointment",
        Page::Invitation(_) => "Invitation",
        Page::NotFound => "Page not found",
        Page::Practice(_, section) => match section {
            Section::Inbox => "Inbox",
            Section::Today => "My day",
            Section::Calendar => "Calendar",
            Section::Tasks => "Tasks",
            Section::Admin => "Admin: people",
            Section::AdminSettings => "Admin: settings",
            Section::AdminLog => "Admin: access log",
            Section::Other(s) => match s.as_str() {
                "phone" => "Phone",
                "timesheets" => "Timesheets",
                "patients" => "Patients",
                _ => "Page not found",
            },
        },
    };
    [name, practice.unwrap_or_default(), "Switchboard"]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

impl Page {
    /// The page a path names. One trailing slash is ignored; anything unknown is `NotFound`.
    pub fn of(path: &str) -> Page {
        let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        match parts.as_slice() {
            [""] => Page::Home,
            ["login"] => Page::Login,
            ["account"] => Page::Account,
            ["forgot"] => Page::Forgot,
            ["reset", t] if !t.is_empty() => Page::Reset((*t).to_owned()),
            ["agency"] => Page::Agency,
            ["agency", "mail"] => Page::SentMail,
            ["a", t] if !t.is_empty() => Page::AppointmentLink((*t).to_owned()),
            ["w", t] if !t.is_empty() => Page::SlotOffer((*t).to_owned()),
            ["invite", t] if !t.is_empty() => Page::Invitation((*t).to_owned()),
            ["p", id, rest @ ..] if !id.is_empty() => {
                let section = match rest {
                    [] | ["inbox"] => Section::Inbox,
                    ["today"] => Section::Today,
                    ["calendar"] => Section::Calendar,
                    ["tasks"] => Section::Tasks,
                    ["admin"] => Section::Admin,
                    ["admin", "settings"] => Section::AdminSettings,
                    ["admin", "log"] => Section::AdminLog,
                    [other] if !other.is_empty() => Section::Other((*other).to_owned()),
                    _ => return Page::NotFound,
                };
                Page::Practice(id.parse().ok(), section)
            }
            _ => Page::NotFound,
        }
    }
}

/// An address's query: `key=value` pairs, decoded, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Reads `a=1&b=two%20words` (with or without the leading `?`).
    pub fn parse(text: &str) -> Query {
        let text = text.strip_prefix('?').unwrap_or(text);
        Query(
            text.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

/// Percent-decoding of a query component (`+` is a space). Malformed escapes stay as they
/// are; bytes that are not UTF-8 become U+FFFD.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_pages() {
        let id = "5f0c7c1e-8f3b-4a53-9a56-2d1c6e0f4b11";
        let practice: PracticeId = id.parse().unwrap();
        assert_eq!(Page::of("/"), Page::Home);
        assert_eq!(Page::of("/login"), Page::Login);
        assert_eq!(Page::of("/login/"), Page::Login);
        assert_eq!(Page::of("/reset/abc"), Page::Reset("abc".into()));
        assert_eq!(Page::of("/reset/"), Page::NotFound);
        assert_eq!(Page::of("/agency/mail"), Page::SentMail);
        assert_eq!(Page::of("/a/tok"), Page::AppointmentLink("tok".into()));
        assert_eq!(Page::of("/w/tok"), Page::SlotOffer("tok".into()));
        assert_eq!(Page::of("/invite/tok"), Page::Invitation("tok".into()));
        assert_eq!(
            Page::of(&format!("/p/{id}")),
            Page::Practice(Some(practice), Section::Inbox)
        );
        assert_eq!(
            Page::of(&format!("/p/{id}/inbox")),
            Page::Practice(Some(practice), Section::Inbox)
        );
        assert_eq!(
            Page::of(&format!("/p/{id}/calendar")),
            Page::Practice(Some(practice), Section::Calendar)
        );
        assert_eq!(
            Page::of(&format!("/p/{id}/admin/settings")),
            Page::Practice(Some(practice), Section::AdminSettings)
        );
        assert_eq!(
            Page::of(&format!("/p/{id}/tasks")),
            Page::Practice(Some(practice), Section::Tasks)
        );
        assert_eq!(
            Page::of("/p/not-an-id/inbox"),
            Page::Practice(None, Section::Inbox)
        );
        assert_eq!(Page::of(&format!("/p/{id}/admin/other")), Page::NotFound);
        assert_eq!(Page::of(&format!("/p/{id}/a/b/c")), Page::NotFound);
        assert_eq!(Page::of("/nowhere"), Page::NotFound);
        assert_eq!(Page::of("/login/extra"), Page::NotFound);
    }

    #[test]
    fn sections_give_back_their_path() {
        for key in [
            "inbox",
            "today",
            "calendar",
            "admin",
            "admin/settings",
            "admin/log",
            "tasks",
        ] {
            let Page::Practice(_, section) = Page::of(&format!("/p/x/{key}")) else {
                panic!("{key}");
            };
            assert_eq!(section.key(), key);
        }
    }

    fn person(agency_admin: bool, roles: &[Role]) -> (Me, Vec<PracticeId>) {
        let ids: Vec<PracticeId> = (1..=roles.len() as u128 + 1)
            .map(|i| PracticeId(uuid::Uuid::from_u128(i)))
            .collect();
        let summary = |i: usize, role| crate::model::PracticeSummary {
            id: ids[i],
            name: format!("Practice {i}"),
            time_zone: "UTC".into(),
            role,
        };
        let me = Me {
            id: crate::model::UserId(uuid::Uuid::from_u128(99)),
            display_name: "Sam".into(),
            email: "sam@example.test".into(),
            agency_admin,
            practices: roles.iter().enumerate().map(|(i, r)| summary(i, *r)).collect(),
            idle_timeout_seconds: 900,
            time_zone: "UTC".into(),
            mfa_enabled: false,
            time_style: Default::default(),
            mfa_required: false,
            agency_practices: if agency_admin {
                vec![summary(roles.len(), Role::Assistant)]
            } else {
                vec![]
            },
        };
        (me, ids)
    }

    fn paths(me: &Me, practice: PracticeId) -> Vec<&'static str> {
        sections_for(me, practice).iter().map(|s| s.path).collect()
    }

    #[test]
    fn each_role_sees_the_sections_it_can_use() {
        let (me, ids) = person(false, &[Role::Assistant, Role::Clinician, Role::PracticeAdmin]);
        assert_eq!(paths(&me, ids[0]), ["inbox", "today", "calendar", "tasks"]);
        assert_eq!(paths(&me, ids[1]), ["inbox", "today", "calendar", "tasks"]);
        assert_eq!(
            paths(&me, ids[2]),
            ["inbox", "today", "calendar", "tasks", "admin"]
        );
        // Not a member, not the agency: nothing (the pages refuse too).
        assert!(paths(&me, ids[3]).is_empty());
        // The agency admin in a practice it is not a member of: no patients' pages.
        let (agency, theirs) = person(true, &[Role::Clinician]);
        assert_eq!(paths(&agency, theirs[1]), ["inbox", "admin"]);
        assert_eq!(
            paths(&agency, theirs[0]),
            ["inbox", "today", "calendar", "tasks", "admin"]
        );
        // Switching practice keeps the section where the person has it there.
        assert_eq!(section_in(&me, ids[2], "admin/log"), "admin/log");
        assert_eq!(section_in(&me, ids[0], "admin/log"), "inbox");
        assert_eq!(section_in(&agency, theirs[1], "calendar"), "inbox");
        assert_eq!(section_in(&me, ids[0], "tasks"), "tasks");
        assert_eq!(section_in(&agency, theirs[1], "tasks"), "inbox");
        assert_eq!(section_in(&me, ids[0], "phone"), "phone");
    }

    #[test]
    fn titles_name_the_page_then_the_practice() {
        let (me, ids) = person(true, &[Role::Assistant]);
        let calendar = Page::Practice(Some(ids[0]), Section::Calendar);
        assert_eq!(
            title(&calendar, practice_name(&me, ids[0])),
            "Calendar · Practice 0 · Switchboard"
        );
        assert_eq!(practice_name(&me, ids[1]), Some("Practice 1"), "the agency's");
        assert_eq!(practice_name(&me, PracticeId(uuid::Uuid::from_u128(77))), None);
        assert_eq!(title(&Page::Login, None), "Sign in · Switchboard");
        assert_eq!(title(&Page::Home, None), "Switchboard");
        assert_eq!(
            title(&Page::of("/p/x/tasks"), Some("Sunset")),
            "Tasks · Sunset · Switchboard"
        );
    }

    #[test]
    fn queries_are_decoded() {
        let q = Query::parse("?next=%2Fp%2Fx%2Fcalendar&reason=idle&q=two+words&bad=%zz&e=%C3%A9&empty");
        assert_eq!(q.get("next").as_deref(), Some("/p/x/calendar"));
        assert_eq!(q.get("reason").as_deref(), Some("idle"));
        assert_eq!(q.get("q").as_deref(), Some("two words"));
        assert_eq!(q.get("bad").as_deref(), Some("%zz"));
        assert_eq!(q.get("e").as_deref(), Some("é"));
        assert_eq!(q.get("empty").as_deref(), Some(""));
        assert_eq!(q.get("missing"), None);
        assert_eq!(Query::parse("a=1&a=2").get("a").as_deref(), Some("1"));
        assert_eq!(Query::parse("%2"), Query(vec![("%2".into(), String::new())]));
    }
}
