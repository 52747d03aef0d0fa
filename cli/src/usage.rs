//! The command line in the person's language: the language is decided from argv's `--lang` and the locale
//! before parsing; the help of every command and argument comes from the catalog (`cmd_<command>`,
//! `arg_<command>_<argument>` or `arg_<argument>`, the headings, the defaults) and is applied to clap's
//! `Command`; clap's own usage errors are put into the catalog's words from the error's kind and context.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Command;

use crate::messages::{text, Lang};

/// The language for the parse: a valid `--lang VALUE` / `--lang=VALUE` in argv (before a `--`), else the
/// locale. An invalid value is left to the parser, which refuses it in the locale's language.
pub fn language(args: &[OsString]) -> Lang {
    let mut flag = None;
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(w) = words.next() {
        if w == "--" {
            break;
        }
        if w == "--lang" {
            flag = words.next().map(|v| v.into_owned());
        } else if let Some(v) = w.strip_prefix("--lang=") {
            flag = Some(v.to_string());
        }
    }
    Lang::detect(flag.as_deref().filter(|v| Lang::parse(v).is_some()))
}

/// The catalog's text for a command or an argument, in `lang`.
fn catalog(lang: Lang, key: &str) -> Option<&'static str> {
    text::by_key(lang, key)
}

/// The catalog key of a command: `cmd_kazasu`, `cmd_verify`, `cmd_card_serve`; the generated `help`
/// commands are all `cmd_help`, and the names listed under one (`kazasu help verify`) are the commands'.
pub fn command_key(path: &[String]) -> String {
    let named: Vec<&str> = path.iter().map(String::as_str).filter(|p| *p != "help").collect();
    match path {
        [.., last] if last == "help" => "cmd_help".into(),
        _ if named.is_empty() => "cmd_kazasu".into(),
        _ => format!("cmd_{}", named.join("_")),
    }
}

/// The catalog keys an argument's help is looked up under, the most specific first.
pub fn argument_keys(path: &[String], id: &str) -> Vec<String> {
    let path: &[String] = match path {
        [.., last] if last == "help" => std::slice::from_ref(last),
        _ => path,
    };
    let mut keys = Vec::new();
    if !path.is_empty() {
        keys.push(format!("arg_{}_{id}", path.join("_")));
    }
    keys.push(format!("arg_{id}"));
    keys
}

/// kazasu's command with every text in `lang`. Built first, so clap's generated help flag, version flag and
/// `help` command are there to be put into words too.
pub fn command(mut cmd: Command, lang: Lang) -> Command {
    cmd.build();
    localize(cmd, &[], lang)
}

fn localize(cmd: Command, path: &[String], lang: Lang) -> Command {
    // Headings are clap `Str`s, which take the catalog's static texts.
    let heading = |key| catalog(lang, key).unwrap_or_default();
    let (arguments, options) = (heading("help_arguments_heading"), heading("help_options_heading"));
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{}: {{usage}}\n\n{{all-args}}{{after-help}}",
        text::help_usage_heading(lang)
    );
    let mut cmd = cmd.help_template(template).subcommand_help_heading(heading("help_commands_heading"));
    if let Some(about) = catalog(lang, &command_key(path)) {
        cmd = cmd.about(about).long_about(None::<&'static str>);
    }
    if path.is_empty() {
        cmd = cmd.after_help(text::cmd_kazasu_after(lang));
    }
    let root = path.is_empty();
    let path_owned = path.to_vec();
    cmd = cmd.mut_args(|arg| {
        let id = arg.get_id().as_str().to_string();
        let mut help = argument_keys(&path_owned, &id).iter().find_map(|k| catalog(lang, k)).map(str::to_string);
        let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        // Flags' defaults (false, 0) say nothing; only options that take a value show theirs.
        let shown = !defaults.is_empty() && !arg.is_hide_default_value_set() && arg.get_action().takes_values();
        if let (Some(h), true) = (help.as_mut(), shown) {
            h.push_str(&text::help_default(lang, defaults.join(", ")));
        }
        let mut arg = arg.hide_default_value(true).hide_possible_values(true);
        if let Some(h) = help {
            arg = arg.help(h).long_help(None::<&'static str>);
        }
        // The card options before the command are accepted but not shown: they belong to the commands.
        if root && crate::source::SOURCE_IDS.contains(&id.as_str()) {
            arg = arg.hide(true);
        }
        // The options every command has come last, after the command's own.
        if let Some(i) = ["lang", "verbose", "help", "version"].iter().position(|g| *g == id) {
            arg = arg.display_order(1000 + i);
        }
        let positional = arg.is_positional();
        arg.help_heading(if positional { arguments } else { options })
    });
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        let mut sub_path = path.to_vec();
        sub_path.push(name.replace('-', "_"));
        cmd = cmd.mut_subcommand(&name, |s| localize(s, &sub_path, lang));
    }
    cmd
}

fn value_string(v: &ContextValue) -> Option<String> {
    match v {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(s) => Some(s.join(" ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<&ContextValue> {
    e.get(kind)
}

fn context_string(e: &clap::Error, kind: ContextKind) -> Option<String> {
    context(e, kind).and_then(value_string)
}

/// A usage error in the person's words: what is wrong (from the error's kind and context), a suggestion when
/// clap has one, the usage line when clap gives one, and where to read more (`words`: the command as typed,
/// `kazasu verify`). `None` for the kinds that are not errors (help, version) and for the one clap prints
/// with the (already translated) help itself. English is rendered the same way, so both read alike.
pub fn describe(lang: Lang, e: &clap::Error, words: &str) -> Option<String> {
    let arg = || context_string(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = || context_string(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut lines = vec![match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return None
        }
        ErrorKind::UnknownArgument => text::usage_unknown_argument(lang, arg()),
        ErrorKind::InvalidSubcommand => {
            text::usage_unknown_command(lang, context_string(e, ContextKind::InvalidSubcommand).unwrap_or_default())
        }
        ErrorKind::InvalidValue if value().is_empty() => text::usage_missing_value(lang, arg()),
        ErrorKind::InvalidValue => match context(e, ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => {
                text::usage_invalid_value(lang, valid.join(&text::usage_value_separator(lang)), arg(), value())
            }
            _ => text::usage_bad_value(lang, arg(), value()),
        },
        ErrorKind::ValueValidation => text::usage_bad_value(lang, arg(), value()),
        ErrorKind::MissingRequiredArgument => match context(e, ContextKind::InvalidArg) {
            Some(ContextValue::Strings(missing)) => {
                text::usage_missing_argument(lang, missing.join(&text::usage_value_separator(lang)))
            }
            _ => text::usage_missing_argument(lang, arg()),
        },
        ErrorKind::MissingSubcommand => text::usage_missing_command(lang),
        ErrorKind::ArgumentConflict => match context_string(e, ContextKind::PriorArg) {
            Some(prior) if prior == arg() => text::usage_repeated(lang, arg()),
            Some(prior) => text::usage_conflict(lang, arg(), prior),
            None => text::usage_conflict_unnamed(lang, arg()),
        },
        _ => text::usage_other(lang),
    }];
    let suggestion = context_string(e, ContextKind::SuggestedArg)
        .or_else(|| context_string(e, ContextKind::SuggestedSubcommand))
        .or_else(|| context_string(e, ContextKind::SuggestedValue));
    if let Some(s) = suggestion {
        lines[0] =
            format!("{}{}{}", lines[0], if lang == Lang::Ja { "" } else { " " }, text::usage_did_you_mean(lang, s));
    }
    if let Some(usage) = context_string(e, ContextKind::Usage) {
        // clap writes its own heading into the usage ("Usage: kazasu verify …"): the words after it are the syntax.
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
        lines.push(text::usage_line(lang, usage));
    }
    lines.push(text::usage_more(lang, words));
    Some(lines.join("\n"))
}

/// The command words in argv (`kazasu card serve`): the program's name, then each word that names a
/// subcommand of the one before, skipping options.
pub fn command_words(cmd: &Command, args: &[OsString]) -> String {
    let mut words = vec![cmd.get_name().to_string()];
    let mut current = cmd;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if let Some(sub) = current.find_subcommand(a.as_ref()) {
            words.push(sub.get_name().to_string());
            current = sub;
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_language_flag_is_found_anywhere_before_a_double_dash_and_an_unknown_one_is_ignored() {
        assert_eq!(language(&os(&["kazasu", "verify", "--lang", "ja", "x"])), Lang::Ja);
        assert_eq!(language(&os(&["kazasu", "--lang=JA", "status"])), Lang::Ja);
        assert_eq!(language(&os(&["kazasu", "--lang", "en", "--lang", "ja"])), Lang::Ja);
        assert_eq!(language(&os(&["kazasu", "--lang", "en"])), Lang::En);
        // After `--`, `--lang` is a file name.
        let after = language(&os(&["kazasu", "sign", "--", "--lang", "ja"]));
        assert_eq!(after, Lang::detect(None));
        assert_eq!(language(&os(&["kazasu", "--lang", "xx"])), Lang::detect(None));
    }

    #[test]
    fn catalog_keys_name_the_command_path() {
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(command_key(&p(&[])), "cmd_kazasu");
        assert_eq!(command_key(&p(&["card", "reset_virtual"])), "cmd_card_reset_virtual");
        assert_eq!(command_key(&p(&["card", "help"])), "cmd_help");
        assert_eq!(command_key(&p(&["card", "help", "serve"])), "cmd_card_serve");
        assert_eq!(argument_keys(&p(&["verify"]), "ca"), ["arg_verify_ca", "arg_ca"]);
        assert_eq!(argument_keys(&p(&["card", "help"]), "subcommand"), ["arg_help_subcommand", "arg_subcommand"]);
    }
}
