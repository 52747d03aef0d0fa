//! The phones' catalog (l10n/app.toml, plus the entries of the CLI's catalog it lists in `shared`): loading
//! and every check an entry must pass before a phone's file is written from it.

use crate::catalog::is_snake_case;
use crate::pattern::Pattern;

/// A phone that shows the catalog's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phone {
    Android,
    Ios,
}

/// The catalog's two languages, the app's (ja) first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    fn name(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// One message for the phones.
#[derive(Clone, Debug)]
pub struct PhoneEntry {
    pub key: String,
    pub ja: String,
    pub en: String,
    /// The placeholders in the order the apps pass them (`%1$s`, `%2$s`…).
    pub args: Vec<String>,
    /// The one phone that shows it (`only = "android" | "ios"`), or None for both.
    pub only: Option<Phone>,
    /// The core's notice these words say (`notice = "WrongPin { remaining }"`), if any.
    pub notice: Option<Pattern>,
    /// The core's notice these words say on a log-in's screens (`login_notice = "Expired"`), where a signing's
    /// words would speak of a request or the signature password; every other notice keeps its `notice` words.
    pub login_notice: Option<Pattern>,
}

impl PhoneEntry {
    /// Whether `phone` shows this entry.
    pub fn on(&self, phone: Phone) -> bool {
        !matches!(self.only, Some(only) if only != phone)
    }

    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// The text with each `{name}` replaced by `%N$<mark>`, N its place in `args`.
    pub fn positional(&self, lang: Lang, mark: &str) -> String {
        let text = self.text(lang);
        let mut out = String::new();
        let mut at = 0;
        for (start, end, name) in placeholders(text) {
            out.push_str(&text[at..start]);
            let n = self.args.iter().position(|a| a == name).map_or(0, |i| i + 1);
            out.push_str(&format!("%{n}${mark}"));
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// The `{name}` placeholders of a phone text: (start, end, name), in order. A plural choice is not one (the
/// phones have none; its braces are then stray, which the checks report).
fn placeholders(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('{').map(|i| i + from) {
        let name_len = text[i + 1..]
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .map_or(text.len() - i - 1, |(n, _)| n);
        let name = &text[i + 1..i + 1 + name_len];
        let closed = text[i + 1 + name_len..].starts_with('}');
        if closed && name.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push((i, i + name_len + 2, name));
            from = i + name_len + 2;
        } else {
            from = i + 1;
        }
    }
    out
}

/// Loads the phones' entries: app.toml's in its order, then the shared ones in `shared`'s order. Every
/// problem of the catalog is listed (not only the first). The notice patterns are checked across entries by
/// [`crate::load`].
pub fn load(app: &str, messages: &str) -> Result<Vec<PhoneEntry>, Vec<String>> {
    let mut problems = Vec::new();
    let mut table = |name: &str, text: &str| match text.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("l10n/{name}: {e}"));
            toml::Table::new()
        }
    };
    let mut phones = table("app.toml", app);
    let cli = table("messages.toml", messages);
    let shared = phones.remove("shared");
    for key in phones.keys().filter(|k| cli.contains_key(*k)) {
        problems.push(format!("[{key}] is in both app.toml and messages.toml"));
    }
    let mut borrowed = toml::Table::new();
    let shared = match shared {
        None => Vec::new(),
        Some(toml::Value::Array(keys)) => keys,
        Some(other) => vec![other],
    };
    for key in shared {
        match key.as_str().and_then(|k| cli.get_key_value(k)) {
            Some((k, v)) => {
                borrowed.insert(k.clone(), v.clone());
            }
            None => problems.push(format!("l10n/app.toml shared: {key} is in no other catalog")),
        }
    }
    let mut entries = entries(&phones, &mut problems);
    entries.extend(self::entries(&borrowed, &mut problems));
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

fn entries(table: &toml::Table, problems: &mut Vec<String>) -> Vec<PhoneEntry> {
    let mut out = Vec::new();
    for (key, value) in table {
        let at = format!("l10n [{key}]");
        let Some(fields) = value.as_table().filter(|_| is_snake_case(key)) else {
            problems.push(format!("{at}: a key is snake_case with ja and en under it"));
            continue;
        };
        let unknown: Vec<&String> = fields
            .keys()
            .filter(|k| !["ja", "en", "args", "only", "notice", "login_notice"].contains(&k.as_str()))
            .collect();
        if !unknown.is_empty() {
            problems.push(format!("{at}: unknown fields {unknown:?}"));
        }
        let mut texts = Vec::new();
        for lang in Lang::ALL {
            let text = match fields.get(lang.name()).and_then(|v| v.as_str()) {
                Some(t) if !t.trim().is_empty() => t.to_string(),
                _ => {
                    problems.push(format!("{at}: no {} text", lang.name()));
                    String::new()
                }
            };
            let mut outside = String::new();
            let mut from = 0;
            for (start, end, _) in placeholders(&text) {
                outside.push_str(&text[from..start]);
                from = end;
            }
            outside.push_str(&text[from..]);
            if outside.contains(['{', '}', '%']) {
                problems.push(format!("{at}: {} has a brace or percent sign outside a {{placeholder}}", lang.name()));
            }
            texts.push(text);
        }
        let names = |t: &str| placeholders(t).into_iter().map(|(_, _, n)| n.to_string()).collect::<Vec<_>>();
        let (ja_names, en_names) = (names(&texts[0]), names(&texts[1]));
        let set = |v: &[String]| v.iter().cloned().collect::<std::collections::BTreeSet<_>>();
        if set(&ja_names) != set(&en_names) {
            problems.push(format!("{at}: placeholders differ: ja {:?}, en {:?}", set(&ja_names), set(&en_names)));
        }
        let mut used: Vec<String> = Vec::new();
        for n in en_names {
            if !used.contains(&n) {
                used.push(n);
            }
        }
        let args = match fields.get("args") {
            None if used.len() < 2 => used.clone(),
            None => {
                problems.push(format!("{at}: {} placeholders: say their order with args = [...]", used.len()));
                used.clone()
            }
            Some(v) => {
                let args: Option<Vec<String>> =
                    v.as_array().and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect());
                let sorted = |mut v: Vec<String>| {
                    v.sort();
                    v
                };
                match args {
                    Some(args) if sorted(args.clone()) == sorted(used.clone()) => args,
                    _ => {
                        problems.push(format!("{at}: args {v} must name exactly the placeholders {used:?}"));
                        used.clone()
                    }
                }
            }
        };
        let only = match fields.get("only").map(|v| v.as_str()) {
            None => None,
            Some(Some("android")) => Some(Phone::Android),
            Some(Some("ios")) => Some(Phone::Ios),
            Some(_) => {
                problems.push(format!("{at}: only is \"android\" or \"ios\""));
                None
            }
        };
        let mut pattern = |field: &str| match fields.get(field).map(|v| v.as_str()) {
            None => None,
            Some(Some(p)) => match Pattern::parse(p) {
                Ok(p) => Some(p),
                Err(e) => {
                    problems.push(format!("{at}: {field}: {e}"));
                    None
                }
            },
            Some(None) => {
                problems.push(format!("{at}: {field} is a pattern like \"WrongPin {{ remaining }}\""));
                None
            }
        };
        let notice = pattern("notice");
        let login_notice = pattern("login_notice");
        let [ja, en] = <[String; 2]>::try_from(texts).unwrap_or_default();
        out.push(PhoneEntry { key: key.clone(), ja, en, args, only, notice, login_notice });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(app: &str) -> Vec<String> {
        load(app, "[label_name]\nja = \"氏名\"\nen = \"Name\"\n").err().unwrap_or_default()
    }

    #[test]
    fn placeholders_become_positional_in_the_order_of_args() {
        let app = "[a]\nja = \"{y}と{x}\"\nen = \"{x} and {y}\"\nargs = [\"y\", \"x\"]\n";
        let e = &load(app, "").unwrap()[0];
        assert_eq!(e.positional(Lang::En, "s"), "%2$s and %1$s");
        assert_eq!(e.positional(Lang::Ja, "@"), "%1$@と%2$@");
    }

    #[test]
    fn a_bad_phone_entry_is_refused_with_every_reason() {
        assert!(problems("[a]\nja = \"あ\"\n").iter().any(|p| p.contains("no en text")));
        assert!(problems("[a]\nja = \"{x}\"\nen = \"{y}\"\n").iter().any(|p| p.contains("placeholders differ")));
        assert!(problems("[a]\nja = \"{x}{y}\"\nen = \"{x}{y}\"\n").iter().any(|p| p.contains("args")));
        assert!(problems("[a]\nja = \"100%\"\nen = \"a\"\n").iter().any(|p| p.contains("percent")));
        assert!(problems("[a]\nja = \"{n|a|b}\"\nen = \"{n|a|b}\"\n").iter().any(|p| p.contains("brace")));
        assert!(problems("[a]\nja = \"あ\"\nen = \"a\"\nonly = \"web\"\n").iter().any(|p| p.contains("only")));
        assert!(problems("[a]\nja = \"あ\"\nen = \"a\"\nde = \"a\"\n").iter().any(|p| p.contains("unknown")));
        assert!(problems("[label_name]\nja = \"あ\"\nen = \"a\"\n").iter().any(|p| p.contains("in both")));
        assert!(problems("shared = [\"nothing\"]\n").iter().any(|p| p.contains("no other catalog")));
        assert_eq!(problems("[a]\nja = \"あ\"\nen = \"a\"\nde = \"a\"\nonly = \"web\"\n").len(), 2);
    }

    #[test]
    fn shared_entries_come_after_the_phones_own_in_the_order_listed() {
        let app = "shared = [\"label_name\"]\n[b]\nja = \"あ\"\nen = \"b\"\n[a]\nja = \"い\"\nen = \"a\"\n";
        let keys: Vec<String> =
            load(app, "[label_name]\nja = \"氏名\"\nen = \"Name\"\n").unwrap().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["b", "a", "label_name"]);
    }
}
