//! Which page an address names, and its query: pure, the same on the server and in the
//! browser (hydration depends on both reading an address alike).

use crate::model::PracticeId;

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
            Section::Admin => "admin",
            Section::AdminSettings => "admin/settings",
            Section::AdminLog => "admin/log",
            Section::Other(s) => s,
        }
    }
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
            Page::Practice(Some(practice), Section::Other("tasks".into()))
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
