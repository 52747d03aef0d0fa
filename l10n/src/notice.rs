//! Which words say which of the core's notices (`kazasu_core::flow::Notice`), written once in the catalog
//! (`notice = "WrongPin { remaining }"` on an entry of l10n/app.toml) and generated into each phone's code: a
//! Kotlin `when` and a Swift `switch` over the notice. The compilers check that the generated code covers every
//! notice; this crate's tests check it against the core's `Notice` before (tests/notices.rs).
//!
//! A pattern names the variant and, when it has fields, every field in the core's order: a bare name passes
//! the field to the words as the placeholder of that name; `_` ignores it; `""` and `Type::Case` are conditions
//! (an empty string; one case of a field's enum). A variant said by several entries needs one without a
//! condition (the rest of its values), or conditions on one enum field only (each case its words).

use std::collections::BTreeSet;

use crate::phones::PhoneEntry;

/// What one field of a notice pattern says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// Passed to the words as the placeholder of the field's name.
    Bind,
    /// Not read.
    Ignore,
    /// Only when the field is the empty string.
    Empty,
    /// Only when the field is this case of its enum (`PinRule::Length`).
    Case { ty: String, case: String },
}

/// A notice pattern: `Variant` or `Variant { field, field: _, field: "", field: Type::Case }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub variant: String,
    pub fields: Vec<(String, Field)>,
}

fn is_upper_camel(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let text = text.trim();
        let (variant, rest) = match text.split_once('{') {
            None => (text, None),
            Some((v, rest)) => {
                let inner = rest.trim_end().strip_suffix('}').ok_or_else(|| format!("{text:?} lacks its '}}'"))?;
                (v.trim(), Some(inner))
            }
        };
        if !is_upper_camel(variant) {
            return Err(format!("{variant:?} is not the name of a notice (UpperCamelCase)"));
        }
        let mut fields = Vec::new();
        for part in rest.map(|r| r.split(',').map(str::trim).collect::<Vec<_>>()).unwrap_or_default() {
            let (name, what) = match part.split_once(':') {
                None => (part, Field::Bind),
                Some((name, value)) => (
                    name.trim(),
                    match value.trim() {
                        "_" => Field::Ignore,
                        "\"\"" => Field::Empty,
                        other => match other.split_once("::") {
                            Some((ty, case)) if is_upper_camel(ty) && is_upper_camel(case) => {
                                Field::Case { ty: ty.to_string(), case: case.to_string() }
                            }
                            _ => {
                                return Err(format!(
                                    "{part:?}: a field is name, name: _, name: \"\" or name: Type::Case"
                                ))
                            }
                        },
                    },
                ),
            };
            if !crate::catalog::is_snake_case(name) {
                return Err(format!("{name:?} is not a field name (snake_case)"));
            }
            fields.push((name.to_string(), what));
        }
        if rest.is_some() && fields.is_empty() {
            return Err(format!("{text:?}: empty braces (a notice without fields is its name alone)"));
        }
        Ok(Pattern { variant: variant.to_string(), fields })
    }

    fn conditions(&self) -> impl Iterator<Item = &(String, Field)> {
        self.fields.iter().filter(|(_, f)| matches!(f, Field::Empty | Field::Case { .. }))
    }

    /// Whether the pattern says only some values of its variant (it has a condition).
    pub fn is_conditional(&self) -> bool {
        self.conditions().next().is_some()
    }

    fn bound(&self) -> BTreeSet<&str> {
        self.fields.iter().filter(|(_, f)| *f == Field::Bind).map(|(n, _)| n.as_str()).collect()
    }

    /// Whether a notice's `Debug` text (`Refused { code: Internal, message: "" }`) is said by this pattern:
    /// the same variant, the same fields in the same order, and every condition met.
    pub fn matches_debug(&self, debug: &str) -> bool {
        let (variant, inner) = match debug.split_once(" { ") {
            Some((v, rest)) => (v, rest.strip_suffix(" }").unwrap_or(rest)),
            None => (debug, ""),
        };
        let values: Vec<(&str, &str)> =
            inner.split(", ").filter(|p| !p.is_empty()).filter_map(|p| p.split_once(": ")).collect();
        variant == self.variant
            && values.len() == self.fields.len()
            && values.iter().zip(&self.fields).all(|((name, value), (field, what))| {
                name == field
                    && match what {
                        Field::Bind | Field::Ignore => true,
                        Field::Empty => *value == "\"\"",
                        Field::Case { case, .. } => value == case,
                    }
            })
    }
}

/// The entries with a notice pattern, grouped by variant (in the order the catalog first names each), each
/// group's conditional entries before its unconditional one.
fn groups(entries: &[PhoneEntry]) -> Vec<Vec<(&PhoneEntry, &Pattern)>> {
    let mut out: Vec<Vec<(&PhoneEntry, &Pattern)>> = Vec::new();
    for e in entries {
        let Some(p) = &e.notice else { continue };
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
    for e in entries {
        let Some(p) = &e.notice else { continue };
        let at = format!("l10n [{}]", e.key);
        if e.only.is_some() {
            problems.push(format!("{at}: the words of a notice are on both phones (no `only`)"));
        }
        let args: BTreeSet<&str> = e.args.iter().map(String::as_str).collect();
        if p.bound() != args {
            problems.push(format!("{at}: notice {} passes {:?}, the words have {:?}", p.variant, p.bound(), args));
        }
    }
    for group in groups(entries) {
        let (first, pattern) = group[0];
        let names = |p: &Pattern| p.fields.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        for (e, p) in &group[1..] {
            if names(p) != names(pattern) {
                problems.push(format!(
                    "l10n [{}]: notice {} has the fields {:?} in [{}] but {:?} here",
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
                "l10n [{keys}]: notice {} is said only under conditions: add words without one",
                pattern.variant
            )),
            1 => {}
            _ => {
                problems.push(format!("l10n [{keys}]: notice {} has two entries without a condition", pattern.variant))
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
    let args: String = e.args.iter().map(|a| format!(", notice.{}.toString()", lower_camel(a))).collect();
    format!("context.getString(R.string.{}{args})", e.key)
}

/// `android/app/src/main/kotlin/jp/kazasu/app/NoticeWords.kt`.
pub fn kotlin(entries: &[PhoneEntry], header: &str) -> String {
    let mut types = BTreeSet::new();
    let mut body = String::new();
    for group in groups(entries) {
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
    let imports: String = types.iter().map(|t| format!("import jp.kazasu.ffi.{t}\n")).collect();
    format!(
        "// {header}\npackage jp.kazasu.app\n\nimport android.content.Context\nimport jp.kazasu.ffi.Notice\n{imports}\n\
         /** What each of the core's notices tells the person: the words of l10n/app.toml that name it (`notice = …`). */\n\
         internal object NoticeWords {{\n    fun of(context: Context, notice: Notice): String = when (notice) {{\n{body}    }}\n}}\n"
    )
}

/// The `switch` of `Words.notice(_:)` for ios/Sources/Kazasu/L10n.swift.
pub fn swift(entries: &[PhoneEntry]) -> String {
    let mut out = String::from(
        "extension Words {\n    /// What each of the core's notices tells the person: the words of l10n/app.toml that name it\n    \
         /// (`notice = …`). A relying party's refusal is quoted as the site's words, never as ours.\n    \
         public func notice(_ notice: Notice) -> String {\n        switch notice {\n",
    );
    for group in groups(entries) {
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
    out.push_str("        }\n    }\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_names_its_variant_and_every_field() {
        let p = Pattern::parse("Refused { code: _, message: \"\" }").unwrap();
        assert_eq!(p.variant, "Refused");
        assert_eq!(p.fields, [("code".into(), Field::Ignore), ("message".into(), Field::Empty)]);
        assert!(p.matches_debug("Refused { code: Internal, message: \"\" }"));
        assert!(!p.matches_debug("Refused { code: Internal, message: \"try later\" }"));
        let rule = Pattern::parse("InvalidPin { rule: PinRule::FourDigits }").unwrap();
        assert!(rule.matches_debug("InvalidPin { rule: FourDigits }"));
        assert!(!rule.matches_debug("InvalidPin { rule: Length }"));
        assert!(Pattern::parse("LastTry").unwrap().matches_debug("LastTry"));
        assert!(!Pattern::parse("LastTry").unwrap().matches_debug("LastTryAgain"));
        for bad in ["lastTry", "WrongPin { remaining", "WrongPin {}", "WrongPin { Remaining }", "A { b: 1 }"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_names_follow_uniffis() {
        assert_eq!(lower_camel("VerifyOutcomeUnknown"), "verifyOutcomeUnknown");
        assert_eq!(lower_camel("date_of_birth"), "dateOfBirth");
        assert_eq!(shouty("FourDigits"), "FOUR_DIGITS");
    }
}
