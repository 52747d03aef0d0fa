#!/usr/bin/env bash
# The real-PDF table of pdf/README.md (issue 22): every PDF of ../shared/pdf-corpus (90 files from ~90
# producers, see its SOURCES.md; read from there, never copied into the repository), plus files first signed by
# pyHanko (an approval signature, a certification with DocMDP P=2) and by OpenSSL (a BER signature with
# indefinite lengths) over a few of them, is signed with `kazasu --virtual sign --pdf` (the software card,
# TEST-ONLY keys) and judged: signed or refused (and the reason's kind), the new signature valid for pdfsig and
# for pyHanko, `qpdf --check` before and after, pyHanko's modification analysis of every earlier signature.
#
#   scripts/pdf-corpus.sh [--write-readme] [--earlier-intact] [--kazasu BIN] [--corpus DIR]
#
# Prints the markdown table (one row per file, a totals row); --write-readme puts it into pdf/README.md between
# <!-- corpus-table --> and <!-- /corpus-table -->. Fails (exit 1) on a regression it can judge: a new signature
# that pdfsig or pyHanko does not call valid, an input that is not an exact prefix of its output, qpdf finding
# damage in an output whose input was clean; with --earlier-intact also a suspicious change (pyHanko) after an
# earlier signature. The signing jobs run two at a time (xargs -P2: the machine's two
# cores), each with a --virtual card of its own; pyHanko judges in one Python process (two workers).
# Needs pdfsig, qpdf, certutil and the pyHanko venv of .ci/pdf.sh (~/.cache/kazasu/pdf-venv); starts no service.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
started=$(date +%s)

flags=()
kazasu=""
corpus=../shared/pdf-corpus
while [ $# -gt 0 ]; do
  case "$1" in
    --write-readme | --earlier-intact) flags+=("$1") ;;
    --kazasu) kazasu=$2; shift ;;
    --corpus) corpus=$2; shift ;;
    *) echo "usage: $0 [--write-readme] [--earlier-intact] [--kazasu BIN] [--corpus DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$corpus/SOURCES.md" ] || { echo "pdf-corpus: no corpus at $corpus" >&2; exit 2; }
venv="$HOME/.cache/kazasu/pdf-venv"
"$venv/bin/python" -c 'import pyhanko' 2>/dev/null || { echo "pdf-corpus: no pyHanko venv at $venv (.ci/pdf.sh makes it)" >&2; exit 2; }
if [ -z "$kazasu" ]; then
  cargo build -q -p kazasu --features virtual-card --bin kazasu
  kazasu=target/debug/kazasu
fi
kazasu=$(realpath "$kazasu")
pki=${KAZASU_TEST_PKI:-$PWD/fixtures/test-pki}
export KAZASU_TEST_PKI=$pki

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/inputs" "$work/outputs" "$work/results" "$work/state"
nss="$work/nss"
mkdir -p "$nss"
certutil -N -d "sql:$nss" --empty-password
certutil -A -d "sql:$nss" -n kazasu-test-sign-ca -t "C,C,C" -i "$pki/sign-ca.pem"

for f in "$corpus"/*.pdf; do
  ln -s "$(realpath "$f")" "$work/inputs/$(basename "$f")"
done
# Earlier signatures by other tools, over a Word file (hybrid xref), two LibreOffice ones (issue15557: a form
# pyHanko's own modification analysis cannot read once a second signature follows, its own included) and a pdftk
# one whose MediaBox has reals a 32-bit float cannot keep.
"$venv/bin/python" scripts/pdf-corpus.py make-extras "$work" "$corpus/bug2014080.pdf" "$corpus/issue15557.pdf" \
  "$corpus/annotation-line-without-appearance.pdf" "$corpus/issue18645.pdf"

# One file: qpdf --check of the input, kazasu sign, then (when signed) the prefix, qpdf --check and pdfsig of the
# output. Exit codes and outputs go to results/NAME.*; the judging is pyHanko's process below.
one() {
  local name=$1 in="$work/inputs/$1" out="$work/outputs/$1" r="$work/results/$1" before after=- prefix=- rc=0
  before=0
  qpdf --check "$in" >/dev/null 2>&1 || before=$?
  mkdir -p "$work/state/$name"
  echo ABC123 | XDG_STATE_HOME="$work/state/$name" "$kazasu" --virtual --lang en -v sign --pdf "$in" -o "$out" \
    --pin-stdin >"$r.out" 2>"$r.err" || rc=$?
  if [ "$rc" = 0 ]; then
    after=0
    qpdf --check "$out" >/dev/null 2>&1 || after=$?
    prefix=changed
    cmp -s -n "$(stat -L -c %s "$in")" "$in" "$out" && prefix=prefix
    pdfsig -no-ocsp -nssdir "sql:$nss" "$out" >"$r.pdfsig" 2>&1 || true
  fi
  echo "$rc $before $after $prefix" >"$r.rc"
}
export -f one
export work kazasu nss
signing=$(date +%s)
find "$work/inputs" -name '*.pdf' -printf '%f\n' | sort | xargs -P2 -I{} bash -c 'one "$1"' _ {}
echo "pdf-corpus: $(find "$work/inputs" -name '*.pdf' | wc -l) files signed or refused in $(($(date +%s) - signing)) s" >&2

judging=$(date +%s)
status=0
"$venv/bin/python" scripts/pdf-corpus.py judge "$work" "$corpus/SOURCES.md" pdf/README.md "${flags[@]}" || status=$?
echo "pdf-corpus: judged in $(($(date +%s) - judging)) s; all in $(($(date +%s) - started)) s" >&2
exit "$status"
