//! A browser for the portal tests that log in: it keeps cookies from every answer as a browser would, and
//! presses the portal's buttons.
#![allow(dead_code)]

use std::io::Read;

use kazasu_portal::LoginStatus;

/// Where the browser goes: a portal's URLs (tests/support's `Server` is one).
pub trait Site {
    fn url(&self, path: &str) -> String;
}

/// Plain-http ureq that does not follow redirects (the tests look at them), for every request of the tests.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).timeout(std::time::Duration::from_secs(30)).build()
}

/// A browser: its cookies (name → value), kept as a browser would from every answer's Set-Cookie.
#[derive(Default)]
pub struct Browser {
    pub jar: Vec<(String, String)>,
}

pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn keep(&mut self, resp: &ureq::Response) {
        for set in resp.all("set-cookie") {
            let c = cookie_crate_free_parse(set);
            self.jar.retain(|(k, _)| *k != c.0);
            if !c.2 {
                self.jar.push((c.0, c.1));
            }
        }
    }

    pub fn send(&mut self, req: ureq::Request, form: Option<&[(&str, &str)]>) -> Answer {
        let req = req.set("Cookie", &self.cookie_header()).set("User-Agent", CHROME_WINDOWS);
        let r = match form {
            Some(f) => req.send_form(f),
            None => req.call(),
        };
        let resp = match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        self.keep(&resp);
        let status = resp.status();
        let location = resp.header("location").map(str::to_owned);
        let mut b = Vec::new();
        resp.into_reader().read_to_end(&mut b).unwrap();
        Answer { status, location, body: String::from_utf8_lossy(&b).into_owned() }
    }

    pub fn get(&mut self, url: &str) -> Answer {
        self.send(agent().get(url), None)
    }

    pub fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        self.send(agent().post(url), Some(form))
    }

    /// Opens the form, presses 「マイナンバーカードでログイン」: the challenge id of its log-in page.
    pub fn start_login(&mut self, server: &impl Site) -> String {
        let form = self.get(&server.url("/"));
        assert!(form.body.contains("マイナンバーカードでログイン"), "the button beside the form");
        let token = self.cookie("kazasu-form").expect("the form cookie").to_owned();
        let started = self.post_form(&server.url("/login"), &[("form_token", &token)]);
        assert_eq!(started.status, 303, "{}", started.body);
        assert!(self.cookie("kazasu-login").is_some(), "the login cookie");
        let to = started.location.expect("to the log-in page");
        to.strip_prefix("/login/").and_then(|s| s.strip_suffix("/wait")).expect(&to).to_owned()
    }

    pub fn status(&mut self, server: &impl Site, id: &str) -> (u16, Option<LoginStatus>) {
        let a = self.get(&server.url(&format!("/login/{id}/status")));
        (a.status, serde_json::from_str(&a.body).ok())
    }

    pub fn redeem(&mut self, server: &impl Site, id: &str) -> Answer {
        self.post_form(&server.url(&format!("/login/{id}/redeem")), &[])
    }
}

pub const CHROME_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// (name, value, removed) of one Set-Cookie header.
fn cookie_crate_free_parse(set: &str) -> (String, String, bool) {
    let first = set.split(';').next().unwrap_or_default();
    let (k, v) = first.split_once('=').unwrap_or((first, ""));
    (k.trim().into(), v.trim().into(), set.contains("Max-Age=0"))
}

/// The same-device link on the log-in page (what the QR code carries too).
pub fn link_on_page(page: &str) -> String {
    let at = page.find("id=\"same-device\" href=\"").expect("the same-device link") + 23;
    page[at..].split('"').next().unwrap().replace("&#x3d;", "=").replace("&#61;", "=").replace("&amp;", "&")
}
