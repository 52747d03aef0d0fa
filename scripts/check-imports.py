#!/usr/bin/env python3
"""The import structure of every crate: no circle between files, and no file importing from a module above it.

Issue 23's "Done when": a newcomer reads a crate top-down — lib.rs (or main.rs) routes to its modules, and each
module uses only what lies below it or beside it. Two things break that, and this script fails on both:

  - a circle between files (a.rs uses b.rs, b.rs uses a.rs, possibly through others);
  - an import from a module back to a module that routes to it (card.rs importing `crate::Failure` from main.rs,
    or flow/card.rs importing from flow/mod.rs), i.e. a file above it in the module tree.

What it reads, for every crate root of the workspace (src/lib.rs, src/main.rs, src/bin/*.rs, tests/*.rs,
examples/*.rs, benches/*.rs, build.rs) and of fuzz/: `mod` declarations (with #[path]), inline `mod x { … }`,
`use` trees and `crate::…`/`super::…`/`self::…` paths anywhere in the code, with comments and string
literals blanked first. A path is resolved through the module tree to the file that defines the module it names;
a name a module re-exports (`pub use a::B;`) is followed to where it comes from, so importing `crate::B` through
lib.rs's re-export counts as importing a.rs. Inline modules belong to their file (a `mod tests { use super::*; }`
is the file importing itself, which is fine). What a `#[cfg(test)]` inline module imports is left out: tests may
use whatever they test.

Known exceptions are listed in scripts/import-allow.txt, one per line, as the script prints them.
Usage: scripts/check-imports.py [REPO] | --self-test   (exit 1 on a violation that is not allowed; an allowed one that is gone
is reported so that its line is removed)
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def blank(src):
    """Comments, string and char literals replaced by spaces (newlines kept), so that positions stay the same and
    braces and paths can be read from what is left."""
    out = list(src)
    i, n = 0, len(src)

    def wipe(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(src, i)) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = src.find('"' + m.group(1), m.end())
            end = n if end < 0 else end + 1 + len(m.group(1))
            wipe(i, end)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            wipe(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a): a lifetime has no closing quote.
            if i + 1 < n and src[i + 1] == "\\":
                j = src.find("'", i + 2)
                wipe(i, j + 1)
                i = j + 1
            elif i + 2 < n and src[i + 2] == "'":
                wipe(i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def use_paths(tree):
    """The paths of a use tree (`crate::{a, b::{C, D as E}}`) as lists of segments; `self` inside braces names
    the prefix itself, and the alias (for re-exports) is the last element's name or its `as` name."""
    tree = re.sub(r"\s*(::|\{|\}|,)\s*", r"\1", tree.strip())
    out = []

    def walk(prefix, t):
        depth, parts, cur = 0, [], ""
        for ch in t:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        for p in parts:
            if not p:
                continue
            if "{" in p:
                head, rest = p.split("{", 1)
                head = [s for s in head.split("::") if s]
                walk(prefix + head, rest[:-1])
            else:
                alias = None
                if " as " in p:
                    p, alias = (x.strip() for x in p.split(" as ", 1))
                segs = [s for s in p.split("::") if s]
                if segs == ["self"]:
                    segs = []
                full = prefix + segs
                if full:
                    out.append((full, alias or full[-1]))

    walk([], tree)
    return out


class Module:
    def __init__(self, name, parent, file, inline):
        self.name, self.parent, self.file, self.inline = name, parent, file, inline
        self.children = {}  # name -> [Module] (several when #[cfg] picks one of two files)
        self.reexports = {}  # name -> [(path segments, Module it is resolved from)]
        self.refs = []  # (path segments, line, is_use)
        self.test = False  # inside #[cfg(test)]

    def file_module(self):
        m = self
        while m.inline:
            m = m.parent
        return m

    def ancestors(self):
        m = self.file_module().parent
        while m is not None:
            yield m.file_module()
            m = m.parent


USE_RE = re.compile(r"\b(pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]*);")
MOD_RE = re.compile(r"\bmod\s+(" + IDENT + r")\s*([;{])")
PATH_RE = re.compile(r"(?<![\w$:])(crate|super|self)((?:\s*::\s*" + IDENT + r")+)")
CFG_TEST_RE = re.compile(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\s*\([^)]*\))?\s+)?$")
ATTR_PATH_RE = re.compile(r'#\[path\s*=\s*"([^"]+)"\]\s*((?:#\[[^\]]*\]\s*)*)(?:pub(?:\s*\([^)]*\))?\s+)?$')


def parse_file(repo, path, module, crate_files, depth=0):
    """Reads `path` as the file of `module`: its child modules (recursively), re-exports and references."""
    full = os.path.join(repo, path)
    try:
        raw = open(full, encoding="utf-8").read()
    except OSError:
        return
    crate_files.add(path)
    code = blank(raw)
    is_dir_owner = os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs") or depth == 0
    base_dir = os.path.dirname(path) if is_dir_owner else os.path.splitext(path)[0]
    stack = [(module, -1)]  # (module, brace depth it opened at)
    depth_now = 0
    tokens = re.compile(r"\{|\}|" + USE_RE.pattern + "|" + MOD_RE.pattern + "|" + PATH_RE.pattern)
    for m in tokens.finditer(code):
        tok = m.group(0)
        cur = stack[-1][0]
        line = code.count("\n", 0, m.start()) + 1
        if tok == "{":
            depth_now += 1
        elif tok == "}":
            depth_now -= 1
            if len(stack) > 1 and depth_now == stack[-1][1]:
                stack.pop()
        elif tok.startswith(("use", "pub")) and USE_RE.match(tok):
            um = USE_RE.match(tok)
            for segs, alias in use_paths(um.group(2)):
                cur.refs.append((segs, line, True))
                cur.reexports.setdefault(alias, []).append(segs)
        elif MOD_RE.match(tok):
            mm = MOD_RE.match(tok)
            name, kind = mm.group(1), mm.group(2)
            if kind == "{":
                child = Module(name, cur, path, True)
                # A test module's imports are the tests', not the layering of the code they test.
                child.test = cur.test or bool(CFG_TEST_RE.search(raw[max(0, m.start() - 200) : m.start()]))
                cur.children.setdefault(name, []).append(child)
                depth_now += 1
                stack.append((child, depth_now - 1))
            else:
                ap = ATTR_PATH_RE.search(raw[max(0, m.start() - 300) : m.start()])
                if ap:
                    child_path = os.path.normpath(os.path.join(os.path.dirname(path), ap.group(1)))
                else:
                    # Inline parents add their names to the directory (mod a { mod b; } -> a/b.rs).
                    inl = [s[0].name for s in stack[1:]]
                    d = os.path.join(base_dir, *inl) if inl else base_dir
                    child_path = os.path.join(d, name + ".rs")
                    if not os.path.exists(os.path.join(repo, child_path)):
                        child_path = os.path.join(d, name, "mod.rs")
                child = Module(name, cur, child_path, False)
                cur.children.setdefault(name, []).append(child)
                parse_file(repo, child_path, child, crate_files, depth + 1)
        else:
            pm = PATH_RE.match(tok)
            if pm:
                segs = [pm.group(1)] + [s.strip() for s in pm.group(2).split("::") if s.strip()]
                cur.refs.append((segs, line, False))


def resolve(module, segs, root, depth=0):
    """The modules a path names (the module itself for `crate::a::b`, the module defining the item for
    `crate::a::Item`), following re-exports. Empty when the path leaves the crate."""
    if depth > 8 or not segs:
        return []
    cur = [module]
    i = 0
    if segs[0] == "crate":
        cur, i = [root], 1
    elif segs[0] == "super":
        m = module
        while i < len(segs) and segs[i] == "super":
            m = m.parent if m and m.parent else m
            i += 1
        cur = [m]
    elif segs[0] == "self":
        i = 1
    elif segs[0] in module.children:
        i = 0
    else:
        return []  # an external crate or a prelude name
    while i < len(segs):
        nxt = []
        for c in cur:
            nxt.extend(c.children.get(segs[i], []))
        if not nxt:
            break
        cur, i = nxt, i + 1
    if i < len(segs):
        # An item of `cur`: where it is re-exported from, if it is.
        # A name another crate's item is imported or re-exported under names no file of this one.
        out = []
        for c in cur:
            vias = [v for v in c.reexports.get(segs[i], []) if not (c is module and v == segs[: len(v)])]
            if not vias:
                out.append(c)
            for via in vias:
                out.extend(resolve(c, via, root, depth + 1))
        return out
    return cur


def crate_roots(repo):
    roots = []
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git", "node_modules", "build", ".build") or False]
        if "Cargo.toml" not in filenames:
            continue
        rel = os.path.relpath(dirpath, repo)
        rel = "" if rel == "." else rel
        cands = ["src/lib.rs", "src/main.rs", "build.rs"]
        for sub in ("src/bin", "tests", "examples", "benches", "fuzz_targets"):
            d = os.path.join(dirpath, sub)
            if os.path.isdir(d):
                cands += [os.path.join(sub, f) for f in sorted(os.listdir(d)) if f.endswith(".rs")]
        for c in cands:
            if os.path.isfile(os.path.join(dirpath, c)):
                roots.append(os.path.normpath(os.path.join(rel, c)))
    return sorted(roots)


def check_crate(repo, root_path):
    root = Module("crate", None, root_path, False)
    files = set()
    parse_file(repo, root_path, root, files)
    edges = {}  # file -> {file: first line}
    ups = {}  # (from, to) -> line
    stack = [root]
    while stack:
        m = stack.pop()
        for kids in m.children.values():
            stack.extend(kids)
        src = m.file_module().file
        above = {a.file for a in m.file_module().ancestors()}
        for segs, line, _ in [] if m.test else m.refs:
            for t in resolve(m, segs, root):
                dst = t.file_module().file
                if dst == src:
                    continue
                edges.setdefault(src, {}).setdefault(dst, line)
                if dst in above:
                    ups.setdefault((src, dst), line)
    return edges, ups


def cycles(edges):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, on, st, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        st.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = st.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def self_test():
    """The checker on a made-up crate: it must find a circle, an import from the module above (also through a
    glob and inside braces), and nothing in test modules, comments, strings or through a re-export."""
    import tempfile

    files = {
        "Cargo.toml": "",
        "src/lib.rs": "mod a;\nmod b;\nmod c;\nmod d;\npub use d::Thing;\npub struct Root;\n",
        "src/a.rs": "use crate::b::B;\npub struct A;\n",
        "src/b.rs": "use crate::{a::A, c};\npub struct B;\n",
        "src/c.rs": "use super::*;\n",
        # Clean: a re-exported name, a test module, a comment and a string naming the root.
        "src/d.rs": (
            "use crate::Thing as _;\n// use crate::Root;\nconst S: &str = \"crate::Root\";\npub struct Thing;\n"
            "#[cfg(test)]\nmod tests {\n    use crate::Root;\n}\n"
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
            open(os.path.join(tmp, name), "w", encoding="utf-8").write(text)
        edges, ups = check_crate(tmp, "src/lib.rs")
        found = [sorted(c) for c in cycles(edges)]
    assert found == [["src/a.rs", "src/b.rs"]], found
    assert sorted(ups) == [("src/c.rs", "src/lib.rs")], ups
    print("check-imports: self-test passed (finds a circle and an import from above, not tests or comments)")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return 0
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    allow_file = os.path.join(repo, "scripts", "import-allow.txt")
    allowed = set()
    if os.path.exists(allow_file):
        for line in open(allow_file, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.add(re.sub(r"\s+", " ", line))
    found = {}  # key -> explanation
    for root in crate_roots(repo):
        edges, ups = check_crate(repo, root)
        for comp in cycles(edges):
            lines = []
            for a in comp:
                for b, ln in sorted(edges.get(a, {}).items()):
                    if b in comp:
                        lines.append(f"    {a}:{ln} uses {b}")
            found.setdefault("circle: " + " <-> ".join(comp), "\n".join(lines))
        for (a, b), ln in sorted(ups.items()):
            found.setdefault(f"up: {a} -> {b}", f"    {a}:{ln} uses {b}, a module above it")
    bad = [k for k in sorted(found) if k not in allowed]
    gone = [k for k in sorted(allowed) if k not in found]
    for k in sorted(found):
        if k in allowed:
            print(f"check-imports: allowed (scripts/import-allow.txt, being removed): {k}")
    for k in bad:
        print(f"check-imports: {k}\n{found[k]}", file=sys.stderr)
    # An allowed entry that is gone is good news, not a failure (a merge that removes it need not touch the list
    # in the same commit); it is said so that the line is removed.
    for k in gone:
        print(f"check-imports: no longer found, remove it from scripts/import-allow.txt: {k}", file=sys.stderr)
    if bad:
        return 1
    print("check-imports: no import circles, no imports from a module above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
