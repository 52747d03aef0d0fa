//! A notice pattern of the catalog (`notice = "WrongPin { remaining }"` on an entry of l10n/app.toml): which of
//! the core's notices (`kazasu_core::flow::Notice`) an entry's words say. It names the variant and, when it has
//! fields, every field in the core's order: a bare name passes the field to the words as the placeholder of that
//! name; `_` ignores it; `""` and `Type::Case` are conditions (an empty string; one case of a field's enum).

use std::collections::BTreeSet;

use crate::catalog::is_snake_case;

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
            if !is_snake_case(name) {
                return Err(format!("{name:?} is not a field name (snake_case)"));
            }
            fields.push((name.to_string(), what));
        }
        if rest.is_some() && fields.is_empty() {
            return Err(format!("{text:?}: empty braces (a notice without fields is its name alone)"));
        }
        Ok(Pattern { variant: variant.to_string(), fields })
    }

    pub(crate) fn conditions(&self) -> impl Iterator<Item = &(String, Field)> {
        self.fields.iter().filter(|(_, f)| matches!(f, Field::Empty | Field::Case { .. }))
    }

    /// Whether the pattern says only some values of its variant (it has a condition).
    pub fn is_conditional(&self) -> bool {
        self.conditions().next().is_some()
    }

    pub(crate) fn bound(&self) -> BTreeSet<&str> {
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
}
