//! The portal's rooms keep their direction: lib.rs wires `routes`, which use `pages`, `state`, `error` and the
//! rest; no module takes anything from a module above it (the one that declares and routes to it — as `pages`
//! once took `page_data`, `Failure` and `Shared` from lib.rs), and no two files import each other round a circle.
//!
//! Reads `src/` with syn: every `use` and every `crate::…`, `super::…`, `self::…` path, resolved to the module
//! file it names.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module's path from the crate root (`[]` is lib.rs).
type ModPath = Vec<String>;

/// Every module file under `src/`, by module path (main.rs is another crate: it is left out).
fn module_files(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    fn walk(dir: &Path, prefix: &ModPath, out: &mut BTreeMap<ModPath, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut p = prefix.clone();
                p.push(name);
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match (prefix.is_empty(), name.as_str()) {
                    (true, "main") => continue,
                    (true, "lib") | (false, "mod") => prefix.clone(),
                    _ => [prefix.clone(), vec![name]].concat(),
                };
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &vec![], &mut out);
    out
}

/// The paths one file refers to through `crate`, `super` or `self`, each with the (inline) module it is written in.
struct Refs {
    module: ModPath,
    found: Vec<(ModPath, Vec<String>)>,
}

impl Refs {
    fn add(&mut self, segments: Vec<String>) {
        if matches!(segments.first().map(String::as_str), Some("crate" | "super" | "self")) {
            self.found.push((self.module.clone(), segments));
        }
    }
}

fn use_paths(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let with = |s: String| [prefix.clone(), vec![s]].concat();
    match tree {
        syn::UseTree::Path(p) => use_paths(&p.tree, with(p.ident.to_string()), out),
        syn::UseTree::Name(n) => out.push(with(n.ident.to_string())),
        syn::UseTree::Rename(r) => out.push(with(r.ident.to_string())),
        syn::UseTree::Glob(_) => out.push(with("*".into())),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_paths(t, prefix.clone(), out)),
    }
}

impl<'ast> Visit<'ast> for Refs {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = vec![];
        use_paths(&u.tree, vec![], &mut paths);
        paths.into_iter().for_each(|p| self.add(p));
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.add(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    /// `pub(crate)`, `pub(super)`: who may see an item, not a reference to another module.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }
}

/// The module file a path leads into: from where `crate`/`super`/`self` start, down the modules it names.
fn resolve(modules: &BTreeMap<ModPath, PathBuf>, from: &ModPath, segments: &[String]) -> ModPath {
    let mut at = from.clone();
    let mut rest = segments;
    while let Some((first, tail)) = rest.split_first() {
        match first.as_str() {
            "crate" => at.clear(),
            "super" => {
                at.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = tail;
    }
    // Inline modules (`mod tests { … }`) live in their file: resolve from the file's module.
    while !modules.contains_key(&at) {
        at.pop();
    }
    for s in rest {
        let mut next = at.clone();
        next.push(s.clone());
        if !modules.contains_key(&next) {
            break;
        }
        at = next;
    }
    at
}

/// For each module file, the module files it takes something from (itself left out).
fn imports() -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = module_files(&src);
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let ast = syn::parse_file(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut refs = Refs { module: module.clone(), found: vec![] };
        refs.visit_file(&ast);
        let targets: BTreeSet<ModPath> = refs
            .found
            .iter()
            .map(|(from, segments)| resolve(&modules, from, segments))
            .filter(|t| t != module)
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "lib.rs".into()
    } else {
        m.join("/")
    }
}

#[test]
fn no_module_takes_anything_from_a_module_above_it() {
    let graph = imports();
    assert!(graph.len() > 15, "the portal's modules were found: {:?}", graph.keys().collect::<Vec<_>>());
    let mut wrong = vec![];
    for (module, targets) in &graph {
        for t in targets.iter().filter(|t| module.starts_with(t)) {
            wrong.push(format!("{} takes from {}, the module above it", name(module), name(t)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_files_import_each_other_round_a_circle() {
    let graph = imports();
    // Depth-first search; a module met again while on the stack closes a circle.
    fn visit(
        m: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        stack: &mut Vec<ModPath>,
        done: &mut BTreeSet<ModPath>,
        circles: &mut Vec<String>,
    ) {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let circle: Vec<String> = stack[i..].iter().chain([m]).map(name).collect();
            circles.push(circle.join(" → "));
            return;
        }
        if !done.insert(m.clone()) {
            return;
        }
        stack.push(m.clone());
        for t in graph.get(m).into_iter().flatten() {
            visit(t, graph, stack, done, circles);
        }
        stack.pop();
    }
    let (mut done, mut circles) = (BTreeSet::new(), vec![]);
    for m in graph.keys() {
        visit(m, &graph, &mut vec![], &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}

#[test]
fn a_path_resolves_to_the_module_file_it_takes_from() {
    // The resolution the two tests rely on, on made-up modules: `super::x` from a/b is a/x or a itself.
    let modules: BTreeMap<ModPath, PathBuf> =
        [vec![], vec!["a".into()], vec!["a".into(), "b".into()]].into_iter().map(|m| (m, PathBuf::new())).collect();
    let ab: ModPath = vec!["a".into(), "b".into()];
    let seg = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
    assert_eq!(resolve(&modules, &ab, &seg("super::Item")), vec!["a".to_string()]);
    assert_eq!(resolve(&modules, &ab, &seg("crate::a::b::Item")), ab);
    assert_eq!(resolve(&modules, &ab, &seg("crate::Failure")), Vec::<String>::new());
    let inline: ModPath = vec!["a".into(), "b".into(), "tests".into()];
    assert_eq!(resolve(&modules, &inline, &seg("super::Item")), ab, "a test module's super is its own file");
}
