//! Which words say which of the core's notices (`kazasu_core::flow::Notice`), written once in the catalog
//! (a [`Pattern`] on an entry of l10n/app.toml) and generated into each phone's code: a Kotlin `when` and a
//! Swift `switch` over the notice. The compilers check that the generated code covers every notice; this
//! crate's tests check it against the core's `Notice` before (tests/notices.rs). A variant said by several
//! entries needs one without a condition (the rest of its values), or conditions on one enum field only (each
//! case its words).
//!
//! A log-in's screens say some notices in their own words (`login_notice = …`: the log-in and the
//! authentication password, not a request or the signature password); the generated `ofLogin` /
//! `loginNotice(_:)` say those and hand every other notice to the signing words.

use std::collections::BTreeSet;

use crate::pattern::{Field, Pattern};
use crate::phones::PhoneEntry;

/// Which screens' words: every notice on a signing's (and wherever a log-in has no words of its own), or a
/// log-in's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screens {
    Signing,
    Login,
}

impl Screens {
    const ALL: [Screens; 2] = [Screens::Signing, Screens::Login];

    /// The catalog field naming the notice.
    fn field(self) -> &'static str {
        match self {
            Screens::Signing => "notice",
            Screens::Login => "login_notice",
        }
    }

    fn pattern(self, e: &PhoneEntry) -> Option<&Pattern> {
        match self {
            Screens::Signing => e.notice.as_ref(),
            Screens::Login => e.login_notice.as_ref(),
        }
    }
}

/// The entries with a notice pattern for `screens`, grouped by variant (in the order the catalog first names
/// each), each group's conditional entries before its unconditional one.
fn groups(entries: &[PhoneEntry], screens: Screens) -> Vec<Vec<(&PhoneEntry, &Pattern)>> {
    let mut out: Vec<Vec<(&PhoneEntry, &Pattern)>> = Vec::new();
    for e in entries {
        let Some(p) = screens.pattern(e) else { continue };
        match out.iter_mut().find(|g| g[0].1.variant == p.variant) {
            Some(g) => g.push((e, p)),
            None => out.push(vec![(e, p)]),
        }
    }
    for g in &mut out {
        g.sort_by_key(|(_, p)| p.conditions().next().is_none());
    }
    out
}

/// The checks of the notice patterns: on both phones, each bound field a placeholder of the words and each
/// placeholder a bound field, one field list per variant, and each variant covered whatever its fields hold.
pub fn check(entries: &[PhoneEntry], problems: &mut Vec<String>) {
    for screens in Screens::ALL {
        check_screens(entries, screens, problems);
    }
    for e in entries.iter().filter(|e| e.notice.is_some() && e.login_notice.is_some()) {
        problems
            .push(format!("l10n [{}]: an entry says a notice on one kind of screen (notice or login_notice)", e.key));
    }
}

fn check_screens(entries: &[PhoneEntry], screens: Screens, problems: &mut Vec<String>) {
    let kind = screens.field();
    for e in entries {
        let Some(p) = screens.pattern(e) else { continue };
        let at = format!("l10n [{}]", e.key);
        if e.only.is_some() {
            problems.push(format!("{at}: the words of a {kind} are on both phones (no `only`)"));
        }
        let args: BTreeSet<&str> = e.args.iter().map(String::as_str).collect();
        if p.bound() != args {
            problems.push(format!("{at}: {kind} {} passes {:?}, the words have {:?}", p.variant, p.bound(), args));
        }
    }
    for group in groups(entries, screens) {
        let (first, pattern) = group[0];
        let names = |p: &Pattern| p.fields.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        for (e, p) in &group[1..] {
            if names(p) != names(pattern) {
                problems.push(format!(
                    "l10n [{}]: {kind} {} has the fields {:?} in [{}] but {:?} here",
                    e.key,
                    p.variant,
                    names(pattern),
                    first.key,
                    names(p)
                ));
            }
        }
        let open = group.iter().filter(|(_, p)| p.conditions().next().is_none()).count();
        let one_enum_field = {
            let fields: BTreeSet<&str> = group
                .iter()
                .flat_map(|(_, p)| p.conditions().map(|(n, f)| (n.as_str(), f)))
                .map(|(n, f)| if matches!(f, Field::Case { .. }) { n } else { "" })
                .collect();
            fields.len() == 1 && !fields.contains("") && group.iter().all(|(_, p)| p.conditions().count() == 1)
        };
        let keys = group.iter().map(|(e, _)| e.key.as_str()).collect::<Vec<_>>().join(", ");
        match open {
            0 if one_enum_field => {}
            0 => problems.push(format!(
                "l10n [{keys}]: {kind} {} is said only under conditions: add words without one",
                pattern.variant
            )),
            1 => {}
            _ => {
                problems.push(format!("l10n [{keys}]: {kind} {} has two entries without a condition", pattern.variant))
            }
        }
    }
}

fn lower_camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in s.chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if i == 0 {
            out.push(c.to_ascii_lowercase());
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `FourDigits` → `FOUR_DIGITS` (uniffi's Kotlin enum cases).
fn shouty(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The Kotlin call that says an entry's words with the notice's fields as its arguments.
fn kotlin_words(e: &PhoneEntry) -> String {
    // The fields as they are: getString formats each with %s (a UByte as its number), and a String needs no
    // conversion (-Werror refuses a redundant one).
    let args: String = e.args.iter().map(|a| format!(", notice.{}", lower_camel(a))).collect();
    format!("context.getString(R.string.{}{args})", e.key)
}

/// The arms of a Kotlin `when (notice)` for `screens`, the enum types its conditions name added to `types`.
fn kotlin_arms(entries: &[PhoneEntry], screens: Screens, types: &mut BTreeSet<String>) -> String {
    let mut body = String::new();
    for group in groups(entries, screens) {
        let variant = &group[0].1.variant;
        if let [(e, p)] = group[..] {
            if p.conditions().next().is_none() {
                body.push_str(&format!("        is Notice.{variant} -> {}\n", kotlin_words(e)));
                continue;
            }
        }
        let open = group.iter().any(|(_, p)| p.conditions().next().is_none());
        if open {
            body.push_str(&format!("        is Notice.{variant} -> when {{\n"));
        } else {
            let field = group[0].1.conditions().next().map(|(n, _)| lower_camel(n)).unwrap_or_default();
            body.push_str(&format!("        is Notice.{variant} -> when (notice.{field}) {{\n"));
        }
        for (e, p) in &group {
            let conditions: Vec<String> = p
                .conditions()
                .map(|(n, f)| match f {
                    Field::Case { ty, case } => {
                        types.insert(ty.clone());
                        if open {
                            format!("notice.{} == {ty}.{}", lower_camel(n), shouty(case))
                        } else {
                            format!("{ty}.{}", shouty(case))
                        }
                    }
                    _ => format!("notice.{}.isEmpty()", lower_camel(n)),
                })
                .collect();
            let when = if conditions.is_empty() { "else".to_string() } else { conditions.join(" && ") };
            body.push_str(&format!("            {when} -> {}\n", kotlin_words(e)));
        }
        body.push_str("        }\n");
    }
    body
}

/// `android/app/src/main/kotlin/jp/kazasu/app/NoticeWords.kt`.
pub fn kotlin(entries: &[PhoneEntry], header: &str) -> String {
    let mut types = BTreeSet::new();
    let signing = kotlin_arms(entries, Screens::Signing, &mut types);
    let login = kotlin_arms(entries, Screens::Login, &mut types);
    let imports: String = types.iter().map(|t| format!("import jp.kazasu.ffi.{t}\n")).collect();
    format!(
        "// {header}\npackage jp.kazasu.app\n\nimport android.content.Context\nimport jp.kazasu.ffi.Notice\n{imports}\n\
         /** What each of the core's notices tells the person: the words of l10n/app.toml that name it (`notice = …`). */\n\
         internal object NoticeWords {{\n    fun of(context: Context, notice: Notice): String = when (notice) {{\n{signing}    }}\n\n    \
         /** On a log-in's screens: the log-in's own words (`login_notice = …`), else the signing words. */\n    \
         fun ofLogin(context: Context, notice: Notice): String = when (notice) {{\n{login}        else -> of(context, notice)\n    }}\n}}\n"
    )
}

/// The `case`s of a Swift `switch notice` for `screens`.
fn swift_cases(entries: &[PhoneEntry], screens: Screens) -> String {
    let mut out = String::new();
    for group in groups(entries, screens) {
        for (e, p) in group {
            let mut pattern = format!(".{}", lower_camel(&p.variant));
            let mut wheres = Vec::new();
            if !p.fields.is_empty() {
                let fields: Vec<String> = p
                    .fields
                    .iter()
                    .map(|(n, f)| match f {
                        Field::Bind => format!("let {}", lower_camel(n)),
                        Field::Ignore => "_".to_string(),
                        Field::Empty => {
                            wheres.push(format!("{}.isEmpty", lower_camel(n)));
                            format!("let {}", lower_camel(n))
                        }
                        Field::Case { case, .. } => format!(".{}", lower_camel(case)),
                    })
                    .collect();
                pattern.push_str(&format!("({})", fields.join(", ")));
            }
            if !wheres.is_empty() {
                pattern.push_str(&format!(" where {}", wheres.join(" && ")));
            }
            let args: String = e.args.iter().map(|a| format!(", String({})", lower_camel(a))).collect();
            out.push_str(&format!("        case {pattern}: return self(.{}{args})\n", e.key));
        }
    }
    out
}

/// `Words.notice(_:)` and `Words.loginNotice(_:)` for ios/Sources/Kazasu/L10n.swift.
pub fn swift(entries: &[PhoneEntry]) -> String {
    format!(
        "extension Words {{\n    /// What each of the core's notices tells the person: the words of l10n/app.toml that name it\n    \
         /// (`notice = …`). A relying party's refusal is quoted as the site's words, never as ours.\n    \
         public func notice(_ notice: Notice) -> String {{\n        switch notice {{\n{}        }}\n    }}\n\n    \
         /// On a log-in's screens: the log-in's own words (`login_notice = …`), else the signing words.\n    \
         public func loginNotice(_ notice: Notice) -> String {{\n        switch notice {{\n{}        \
         default: return self.notice(notice)\n        }}\n    }}\n}}\n",
        swift_cases(entries, Screens::Signing),
        swift_cases(entries, Screens::Login)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_follow_uniffis() {
        assert_eq!(lower_camel("VerifyOutcomeUnknown"), "verifyOutcomeUnknown");
        assert_eq!(lower_camel("date_of_birth"), "dateOfBirth");
        assert_eq!(shouty("FourDigits"), "FOUR_DIGITS");
    }
}
