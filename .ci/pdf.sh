#!/usr/bin/env bash
# CI for PDF signing (issue 14), self-contained on Debian 12 as root: PDFs from four producers (Ghostscript,
# cairo through poppler's pdftocairo, a scanner-style image PDF written by Pillow, and qpdf with object streams
# and an xref stream) are signed with the software card through the CLI (`kazasu --virtual sign --pdf`), as
# PAdES (ETSI.CAdES.detached) and adbe.pkcs7.detached, then checked by independent verifiers against the test
# sign CA: poppler's pdfsig (through an NSS database holding the CA), pyHanko, and `qpdf --check`; and by
# `kazasu verify`. Also: co-signing keeps both signatures valid, a byte changed after signing is reported by all
# three, an encrypted PDF is refused with no output, the input is never modified. PAdES B-T, B-LT and B-LTA with a
# loopback TSA (pyHanko's AdES validation). Co-signing what others signed (issue 22): files of the real-PDF corpus
# (../shared/pdf-corpus, or KAZASU_PDF_CORPUS) first signed by pyHanko (approval; certification P=2, also with an
# empty signature field Kazasu signs into), by LibreOffice (when soffice is installed) and by Kazasu are
# co-signed, and pyHanko's modification analysis must find no suspicious change for any earlier signature; every
# corpus file signed directly keeps every object's values as written (qpdf's JSON, numbers as text); a
# certification allowing no change (P=1) is refused before the password. Then the real-PDF table
# (scripts/pdf-corpus.sh: ../shared/pdf-corpus, 90 files from ~90 producers, plus files first signed by pyHanko
# and OpenSSL). KAZASU_PDF_NO_PCSC=1 skips the last part, which starts pcscd (for runs beside others using it).
# Installs poppler-utils, qpdf, ghostscript and libnss3-tools (apt) when missing, and pyHanko + Pillow into a
# venv under ~/.cache/kazasu/pdf-venv. Starts no service.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never DEBIAN_FRONTEND=noninteractive
started=$(date +%s)

need=()
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
venv="$HOME/.cache/kazasu/pdf-venv"
if ! "$venv/bin/python" -c 'import pyhanko, pyhanko.cli, PIL' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pyhanko pyhanko-cli pillow
fi

echo "== pdf: kazasu-pdf tests, build"
# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
if ws_tested; then
  echo "(kazasu-pdf's tests and the CLI's PDF tests ran in the workspace tests)"
else
  cargo test -q -p kazasu-pdf
  cargo test -q -p kazasu --features virtual-card --test pdf
fi
# The CLI test of pyHanko's signatures needs pyHanko (the venv above): #[ignore]d in a plain `cargo test`, run
# here with --ignored; its output also goes to scripts/test-all.sh's count of ignored tests.
ignored_log() { if [ -n "${KAZASU_IGNORED_LOGS:-}" ]; then tee "$KAZASU_IGNORED_LOGS/pdf-pyhanko.log"; else cat; fi; }
echo "== pdf: pyHanko's signatures in kazasu verify (cargo test --ignored)"
if ws_tested; then
  KAZASU_PYHANKO="$venv/bin/pyhanko" ws test -q --test pdf -- --ignored 2>&1 | ignored_log
else
  KAZASU_PYHANKO="$venv/bin/pyhanko" cargo test -q -p kazasu --features virtual-card --test pdf -- --ignored 2>&1 \
    | ignored_log
fi
# The visible stamp as poppler shows it (pdf/tests/stamp.rs): every /Rotate × box case (MediaBox at 0,0 and
# elsewhere, a CropBox, inherited attributes) × corner rendered by pdftoppm and checked for place and uprightness,
# the font by pdffonts (embedded subset, ToUnicode), the text by pdftotext. #[ignore]d without poppler; run here.
stamp_log() { if [ -n "${KAZASU_IGNORED_LOGS:-}" ]; then tee "$KAZASU_IGNORED_LOGS/pdf-stamp.log"; else cat; fi; }
echo "== pdf: the visible stamp rendered by poppler (cargo test --ignored)"
if ws_tested; then
  ws test -q --test stamp -- --ignored --nocapture 2>&1 | stamp_log
else
  cargo test -q -p kazasu-pdf --test stamp -- --ignored --nocapture 2>&1 | stamp_log
fi
ws build -q --bin kazasu
kazasu=$(ws_target_dir)/debug/kazasu
pki=${KAZASU_TEST_PKI:-$PWD/fixtures/test-pki}

work=$(mktemp -d)
# shellcheck source=pcsc.sh
source .ci/pcsc.sh
PCSC_PIDS=()
tsa_pid=""
ocsp_pid=""
stop_tsa() {
  if [ -n "$ocsp_pid" ]; then
    kill "$ocsp_pid" 2>/dev/null || true
    wait "$ocsp_pid" 2>/dev/null || true
    ocsp_pid=""
  fi
  if [ -n "$tsa_pid" ]; then
    kill "$tsa_pid" 2>/dev/null || true
    wait "$tsa_pid" 2>/dev/null || true
    tsa_pid=""
  fi
}
trap 'stop_tsa; pcsc_stop; rm -rf "$work"' EXIT
export XDG_STATE_HOME="$work/state"
"$kazasu" card reset-virtual >/dev/null

# pdfsig trusts what an NSS database trusts: one holding only the test sign CA.
nss="$work/nss"
mkdir -p "$nss"
certutil -N -d "sql:$nss" --empty-password
certutil -A -d "sql:$nss" -n kazasu-test-sign-ca -t "C,C,C" -i "$pki/sign-ca.pem"

fail() {
  echo "pdf: FAIL: $*" >&2
  exit 1
}

echo "== pdf: producers"
cd "$work"
printf '%%!PS\n/Helvetica findfont 24 scalefont setfont 72 720 moveto (Kazasu test: Ghostscript) show showpage\n72 720 moveto (page 2) show showpage\n' \
  | gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile=ghostscript.pdf -
pdftocairo -pdf ghostscript.pdf cairo.pdf
"$venv/bin/python" - <<'EOF'
from PIL import Image, ImageDraw
im = Image.new("L", (850, 1100), 255)
ImageDraw.Draw(im).text((60, 60), "Kazasu test: scanned page", fill=0)
im.save("scan.pdf", "PDF", resolution=100.0)
EOF
qpdf --object-streams=generate ghostscript.pdf objstm.pdf
grep -aq '/ObjStm' objstm.pdf || fail "qpdf wrote no object stream"

# pdfsig: every signature cryptographically valid over its ranges, the last one covering the whole file. Its
# certificate verdict is printed, not required: poppler 22.12 (Debian 12) checks the chain only together with
# OCSP — the test sign certificate names an OCSP responder (.invalid, unreachable here), and with -no-ocsp it
# answers "Unknown issue with Certificate" for every signature, pdfsig's own (-add-signature) included. (A
# certificate without an OCSP address, signed through kazasu-pdf, gets "Certificate is Trusted" from it.) The
# chain to the test CA is checked by pyHanko and kazasu verify.
pdfsig_ok() { # FILE COUNT
  local out
  out=$(pdfsig -no-ocsp -nssdir "sql:$nss" "$1" 2>&1) || true
  [ "$(grep -c 'Signature Validation: Signature is Valid.' <<<"$out")" = "$2" ] || { echo "$out"; return 1; }
  [ "$(grep -c 'Total document signed' <<<"$out")" = 1 ] || { echo "$out"; return 1; }
  grep -q 'Signer Certificate Common Name: KAZASU TEST SIGN' <<<"$out" || { echo "$out"; return 1; }
  grep 'Certificate Validation' <<<"$out" | sort | uniq -c | sed "s|^|  pdfsig $1:|"
}
hanko() {
  local lax=()
  # Pillow writes generation 65536 in the free entry of object 0 of its own xref table, which pyHanko's strict
  # mode refuses for the input itself; that producer's files are read in its lenient mode.
  case "$1" in scan* | tampered-scan*) lax=(--no-strict-syntax) ;; esac
  "$venv/bin/pyhanko" sign validate --trust "$pki/sign-ca.pem" "${hanko_trust[@]}" --trust-replace \
    --no-revocation-check "${lax[@]}" --executive-summary "$1" 2>/dev/null
}
hanko_trust=() # more trust anchors for pyHanko (the TSA's root in the B-T part)
hanko_ok() { # FILE COUNT
  local out
  out=$(hanko "$1") || { echo "$out"; return 1; }
  [ "$(grep -c ':VALID$' <<<"$out")" = "$2" ] || { echo "$out"; return 1; }
}
checks() { # FILE COUNT
  qpdf --check "$1" >/dev/null || fail "qpdf --check $1"
  pdfsig_ok "$1" "$2" || fail "pdfsig $1"
  hanko_ok "$1" "$2" || fail "pyHanko $1"
  "$kazasu" --lang en verify "$1" --ca "$pki/sign-ca.pem" >"$1.verify" || { cat "$1.verify"; fail "kazasu verify $1"; }
  [ "$(grep -c 'Valid signature by' "$1.verify")" = "$2" ] || fail "kazasu verify $1: $(cat "$1.verify")"
}
sign() { # IN OUT FORMAT
  local before t0 t1
  before=$(sha256sum <"$1")
  t0=$(date +%s%N)
  echo ABC123 | "$kazasu" --virtual --lang en -v sign --pdf "$1" -o "$2" --pdf-format "$3" --cert "$pki/sign.pem" \
    --pin-stdin >"$2.out" 2>"$2.err" || { cat "$2.err"; fail "sign $1"; }
  t1=$(date +%s%N)
  [ "$before" = "$(sha256sum <"$1")" ] || fail "the input $1 changed"
  grep -q 'PDF to sign: ' "$2.err" || fail "no PDF shown before the password"
  apdus=$(grep -o 'tap: [0-9]* APDUs' "$2.err" | awk '{s += $2} END {print s}')
  echo "$1 → $2 ($3): $(( (t1 - t0) / 1000000 )) ms, $apdus APDUs, $(stat -c %s "$2") bytes"
}

echo "== pdf: sign and verify (pdfsig, pyHanko, qpdf --check, kazasu verify)"
for producer in ghostscript cairo scan objstm; do
  for format in pades pkcs7; do
    sign "$producer.pdf" "$producer-$format.pdf" "$format"
    checks "$producer-$format.pdf" 1
  done
done
grep -aq '/XRef' objstm-pades.pdf || fail "the update of an xref-stream PDF is not an xref stream"
pdfsig -no-ocsp -nssdir "sql:$nss" objstm-pades.pdf | sed -n '2,12p'
hanko objstm-pkcs7.pdf

echo "== pdf: a visible stamp (--visible: the name from --cert, the time) is drawn and signed"
echo ABC123 | "$kazasu" --virtual --lang en sign --pdf ghostscript.pdf -o visible.pdf --cert "$pki/sign.pem" --visible \
  --pin-stdin >visible.out 2>visible.err || { cat visible.err; fail "sign --visible"; }
checks visible.pdf 1
# Rendered by poppler: ink in the stamp's box (lower left, 36 pt from the edges) only in the visible one.
ink() { # FILE → dark pixels in the stamp's box at 72 dpi
  pdftoppm -gray -r 72 -f 1 -l 1 "$1" "$1.render" 2>/dev/null
  python3 - "$1.render"-1.pgm <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
parts = data.split(maxsplit=4)  # P5 width height maxval pixels
w, h, pixels = int(parts[1]), int(parts[2]), parts[4]
box = [pixels[y * w + x] for y in range(h - 36 - 46, h - 36) for x in range(36, 36 + 260)]
print(sum(1 for p in box if p < 128))
PY
}
[ "$(ink visible.pdf)" -gt 50 ] || fail "no stamp drawn in visible.pdf"
[ "$(ink ghostscript-pades.pdf)" -eq 0 ] || fail "ink in the stamp's box of an invisible signature"
echo "visible.pdf: $(ink visible.pdf) dark pixels in the stamp's box (invisible signature: 0)"

echo "== pdf: co-signing keeps both signatures valid"
sign ghostscript-pkcs7.pdf cosigned.pdf pades
checks cosigned.pdf 2
grep -q 'The document was added to after this signature' cosigned.pdf.verify || fail "first signature not shown as followed by an update"
hanko cosigned.pdf

echo "== pdf: pyHanko's signatures (signing-certificate-v2 with the issuer and serial) verify in kazasu verify too"
for style in pkcs7 pades; do
  extra=()
  [ "$style" = pades ] && extra=(--use-pades)
  "$venv/bin/pyhanko" sign addsig --field Sig1 "${extra[@]}" pemder --key "$pki/sign.TEST-ONLY.key.pem" \
    --cert "$pki/sign.pem" --no-pass ghostscript.pdf "hanko-$style.pdf" 2>/dev/null || fail "pyHanko could not sign"
  checks "hanko-$style.pdf" 1
done

echo "== pdf: co-signing what others signed: pyHanko's modification analysis finds no suspicious change"
# First signatures by pyHanko — a PAdES approval signature on every file of the real-PDF corpus
# (../shared/pdf-corpus, see its SOURCES.md) that pyHanko can read, and a certification allowing form filling and
# signing (DocMDP P=2) on a spread of producers —, by LibreOffice (its PDF export signing through NSS, when soffice
# is installed; KAZASU_PDF_LIBREOFFICE=1 installs it) and by Kazasu. Kazasu co-signs each; pyHanko then validates
# every signature against the test CA and runs its difference analysis for each earlier one (in one process:
# .ci/pdf-modifications.py). A certification allowing no change (P=1) is refused before anything is shown.
t_mods=$(date +%s)
corpus=${KAZASU_PDF_CORPUS:-$repo/../shared/pdf-corpus}
mods() { "$venv/bin/python" -W ignore "$repo/.ci/pdf-modifications.py" "$@"; }
key="$pki/sign.TEST-ONLY.key.pem"
mkdir -p first co
cp ghostscript-pkcs7.pdf first/kazasu-ghostscript.pdf
cp objstm-pkcs7.pdf first/kazasu-objstm.pdf
cp visible.pdf first/kazasu-visible.pdf
if [ -d "$corpus" ]; then
  mods sign "$pki/sign.pem" "$key" approval first "$corpus"/*.pdf >first.list 2>first.err || fail "pyHanko signing"
  certify=()
  for f in issue11656 bug2014080 issue15557 bug1883609 bug1539074 issue12706 annotation-text-widget issue19634 \
    issue10572 issue4379 issue6931_reduced issue17065 issue1002 cid_cff; do
    certify+=("$corpus/$f.pdf")
  done
  mods sign "$pki/sign.pem" "$key" certify2 first "${certify[@]}" >>first.list 2>>first.err || fail "pyHanko certifying"
  # Certified with an empty signature field "Approval" left for the next signer (Kazasu signs into it).
  mods sign "$pki/sign.pem" "$key" certify2field first "$corpus/issue11656.pdf" "$corpus/bug1146106.pdf" \
    "$corpus/issue12706.pdf" >>first.list 2>>first.err || fail "pyHanko certifying with an empty field"
  mods sign "$pki/sign.pem" "$key" certify1 first "$corpus/issue11656.pdf" >/dev/null 2>>first.err || fail "pyHanko P=1"
  for f in issue15557 issue11656 bug1771477; do # LibreOffice, Word, Quartz (its original has qpdf warnings)
    echo ABC123 | "$kazasu" --virtual sign --pdf "$corpus/$f.pdf" -o "first/kazasu-$f.pdf" --cert "$pki/sign.pem" \
      --pin-stdin >/dev/null 2>&1 || fail "sign $f"
  done
  echo "pyHanko signed $(grep -c '^first/approval-' first.list) of $(ls "$corpus"/*.pdf | wc -l) corpus files" \
    "($(grep -c 'cannot sign' first.err) it cannot read), certified $(grep -c '^first/certify2-' first.list) with P=2"
else
  echo "(no corpus at $corpus: pyHanko's first signatures on the test producers' files only)"
  for f in ghostscript cairo objstm; do mods sign "$pki/sign.pem" "$key" approval first "$f.pdf" >/dev/null; done
  mods sign "$pki/sign.pem" "$key" certify2 first cairo.pdf >/dev/null
  mods sign "$pki/sign.pem" "$key" certify2field first cairo.pdf >/dev/null
  mods sign "$pki/sign.pem" "$key" certify1 first cairo.pdf >/dev/null
fi
if [ -n "${KAZASU_PDF_LIBREOFFICE:-}" ] && ! command -v soffice >/dev/null 2>&1; then
  apt-get install -y -q --no-install-recommends libreoffice-writer-nogui >/dev/null
fi
if command -v soffice >/dev/null 2>&1; then
  # LibreOffice signs its PDF export with the certificate NSS finds by subject: a database holding the test key.
  lo="$work/lo"
  mkdir -p "$lo/nss"
  openssl pkcs12 -export -inkey "$key" -in "$pki/sign.pem" -out "$lo/k.p12" -passout pass:x -name kazasu
  certutil -N -d "sql:$lo/nss" --empty-password
  pk12util -i "$lo/k.p12" -d "sql:$lo/nss" -W x >/dev/null
  subject=$(openssl x509 -in "$pki/sign.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  printf 'Kazasu test: a letter written in LibreOffice Writer, signed on export.\n' >"$lo/letter.txt"
  MOZILLA_CERTIFICATE_FOLDER="sql:$lo/nss" timeout 120 soffice --headless -env:UserInstallation="file://$lo/profile" \
    --convert-to "pdf:writer_pdf_Export:{\"SignPDF\":{\"type\":\"boolean\",\"value\":\"true\"},\"SignCertificateSubjectName\":{\"type\":\"string\",\"value\":\"$subject\"}}" \
    --outdir "$lo" "$lo/letter.txt" >/dev/null 2>&1 || fail "LibreOffice could not export a signed PDF"
  grep -aq '/ByteRange' "$lo/letter.pdf" || fail "LibreOffice wrote no signature"
  cp "$lo/letter.pdf" first/libreoffice-letter.pdf
else
  echo "(LibreOffice is not installed: no LibreOffice-signed file co-signed; KAZASU_PDF_LIBREOFFICE=1 installs it)"
fi
cosigned=0
for f in first/*.pdf; do
  case "$f" in first/certify1-*) continue ;; esac
  field=()
  case "$f" in first/certify2field-*) field=(--pdf-field Approval --visible) ;; esac
  echo ABC123 | "$kazasu" --virtual --lang en sign --pdf "$f" -o "co/${f#first/}" --cert "$pki/sign.pem" "${field[@]}" \
    --pin-stdin >"co/${f#first/}.out" 2>"co/${f#first/}.err" || { cat "co/${f#first/}.err"; fail "co-sign $f"; }
  # qpdf --check clean wherever the first-signed input was.
  if qpdf --check "$f" >/dev/null 2>&1; then qpdf --check "co/${f#first/}" >/dev/null 2>&1 || fail "qpdf --check co/${f#first/}"; fi
  # Every signature of the co-signed file, the other tool's and Kazasu's, valid for kazasu verify too.
  "$kazasu" --lang en verify "co/${f#first/}" --ca "$pki/sign-ca.pem" >"co/${f#first/}.verify" 2>&1 ||
    { cat "co/${f#first/}.verify"; fail "kazasu verify co/${f#first/}"; }
  cosigned=$((cosigned + 1))
done
grep -q 'certified by its author' co/certify2-*.err || fail "a P=2 certification is not told to the person"
mods check "$pki/sign-ca.pem" "$key" first co/*.pdf >mods.out 2>mods.err || { grep -v ' ok$' mods.out; fail "pyHanko's modification analysis"; }
grep -v ' ok$' mods.out | sed 's|^|  |'
# The author's empty field was signed into (pyHanko names the new signature by its field).
grep -q '^co/certify2field-.* Approval:NONE ok$' mods.out || fail "the empty signature field was not signed into"
grep -o 'FORM_FILLING\|LTA_UPDATES\|ANNOTATIONS\|OTHER' mods.out | sort | uniq -c | sed 's|^|  earlier signatures, modification level:|'
# P=1: refused before the file is described, before the password; nothing written.
p1=$(ls first/certify1-*.pdf | head -1)
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf "$p1" -o p1-out.pdf --pin-stdin 2>p1.err; then
  fail "a certification allowing no change was signed"
fi
grep -q 'allow no change at all' p1.err || fail "P=1: $(cat p1.err)"
grep -q 'PDF to sign\|Signature password' p1.err && fail "P=1: refused only after the file was shown or the password asked"
[ ! -e p1-out.pdf ] || fail "an output was written for a P=1 certification"
echo "co-signed $cosigned first-signed files in $(($(date +%s) - t_mods)) s; P=1 refused before the password"
if [ -d "$corpus" ]; then
  # Kazasu signs every corpus file directly; qpdf's JSON of each object, numbers as their text, before and after:
  # nothing but what a signature adds may differ (lopdf's f32 reals once rounded 13 of 88 files' pages).
  t_objects=$(date +%s)
  mkdir -p direct
  pairs=()
  for f in "$corpus"/*.pdf; do
    n=direct/$(basename "$f")
    if echo ABC123 | "$kazasu" --virtual sign --pdf "$f" -o "$n" --cert "$pki/sign.pem" --pin-stdin >/dev/null 2>&1; then
      pairs+=("$f" "$n")
    fi
  done
  mods objects "${pairs[@]}" || fail "an object of the input changed beyond what a signature adds"
  echo "(signed and compared in $(($(date +%s) - t_objects)) s)"
fi

echo "== pdf: a byte changed after signing is reported by all three"
for f in ghostscript-pades.pdf cosigned.pdf scan-pkcs7.pdf; do
  # The creation date's first digit inside the first signed range (the Info dictionary): still a readable PDF.
  python3 - "$f" "tampered-$f" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"/CreationDate")
if at < 0:
    at = data.find(b"%PDF-") + 7  # no Info date: the header's minor version digit
else:
    at = data.find(b"D:", at) + 2
data[at] = ord("1") if data[at] != ord("1") else ord("2")
open(sys.argv[2], "wb").write(bytes(data))
EOF
  t="tampered-$f"
  out=$(pdfsig -no-ocsp -nssdir "sql:$nss" "$t" 2>&1 || true)
  grep -q 'Digest Mismatch' <<<"$out" || { echo "$out"; fail "pdfsig did not see $t modified"; }
  out=$(hanko "$t" || true)
  grep -q ':INVALID' <<<"$out" || { echo "$out"; fail "pyHanko did not see $t modified"; }
  if "$kazasu" --lang en verify "$t" --ca "$pki/sign-ca.pem" >"$t.verify" 2>&1; then fail "kazasu verify accepted $t"; fi
  grep -q 'Invalid signature: The signature does not match' "$t.verify" || fail "kazasu verify: $(cat "$t.verify")"
  echo "$t: pdfsig Digest Mismatch, pyHanko INVALID, kazasu verify exit 10"
done

echo "== pdf: refusals"
qpdf --encrypt user owner 256 -- ghostscript.pdf encrypted.pdf
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf encrypted.pdf -o enc-out.pdf --pin-stdin 2>enc.err; then
  fail "an encrypted PDF was signed"
fi
grep -q 'encrypted PDF' enc.err || fail "encrypted: $(cat enc.err)"
[ ! -e enc-out.pdf ] || fail "an output was written for an encrypted PDF"
head -c "$(($(stat -c %s cairo.pdf) * 2 / 3))" cairo.pdf >truncated.pdf
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf truncated.pdf -o trunc-out.pdf --pin-stdin 2>trunc.err; then
  fail "a truncated PDF was signed"
fi
[ ! -e trunc-out.pdf ] || fail "an output was written for a truncated PDF"
# Bytes before %PDF: the update's offsets could not agree with the header-relative ones readers use (qpdf would
# call the output damaged), so it is refused before the password.
{ printf 'From: a mail header\r\n\r\n'; cat cairo.pdf; } >prefixed.pdf
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf prefixed.pdf -o prefixed-out.pdf --pin-stdin 2>prefixed.err; then
  fail "a PDF with bytes before its header was signed"
fi
grep -q 'Signature password' prefixed.err && fail "bytes before the header: refused only after the password"
grep -q 'cannot be signed' prefixed.err || fail "bytes before the header: $(cat prefixed.err)"
[ ! -e prefixed-out.pdf ] || fail "an output was written for a PDF with bytes before its header"
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf scan.pdf -o scan-pades.pdf --pin-stdin 2>exists.err; then
  fail "an existing output was overwritten"
fi
grep -q 'already exists' exists.err || fail "existing output: $(cat exists.err)"

echo "== pdf: PAdES B-T: time-stamp from a loopback TSA (openssl ts -reply, TEST-ONLY keys made here)"
tsa="$work/tsa"
mkdir -p "$tsa"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tsa/ca.key" -out "$tsa/ca.pem" -days 30 \
  -subj "/C=JP/O=Kazasu Test TSA (TEST ONLY)/CN=Kazasu Test TSA Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tsa/tsa.key" -out "$tsa/tsa.csr" \
  -subj "/C=JP/O=Kazasu Test TSA (TEST ONLY)/CN=Kazasu Test TSA" 2>/dev/null
# The TSA's certificate names a CRL distribution point (unreachable: .invalid) and its root issues that CRL, so a
# PAdES B-LT file can carry the TSA's revocation data too (pyHanko's AdES validation requires it for every
# certificate of the time-stamp's chain but the root).
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\ncrlDistributionPoints=URI:http://tsa-crl.kazasu.invalid/root.crl\n' \
  >"$tsa/tsa.ext"
openssl x509 -req -in "$tsa/tsa.csr" -CA "$tsa/ca.pem" -CAkey "$tsa/ca.key" -CAcreateserial -days 30 \
  -extfile "$tsa/tsa.ext" -out "$tsa/tsa.pem" 2>/dev/null
: >"$tsa/index.txt"
echo 01 >"$tsa/crlnumber"
printf '[ca]\ndefault_ca = root\n[root]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n' \
  "$tsa" "$tsa" >"$tsa/ca.cnf"
openssl ca -gencrl -config "$tsa/ca.cnf" -keyfile "$tsa/ca.key" -cert "$tsa/ca.pem" -out "$tsa/root.crl.pem" 2>/dev/null
echo 01 >"$tsa/serial"
cat >"$tsa/tsa.cnf" <<CNF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = $tsa
serial = $tsa/serial
crypto_device = builtin
signer_cert = $tsa/tsa.pem
certs = $tsa/ca.pem
signer_key = $tsa/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
cat >"$tsa/tsa.py" <<'PY'
# A loopback RFC 3161 TSA: each POSTed query is answered by `openssl ts -reply`.
import http.server, os, subprocess, sys, tempfile

first = []  # the first answer given: /replay sends it again, an answer to another request

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path == "/replay" and first:
            self.answer(first[0])
            return
        query = self.rfile.read(min(int(self.headers.get("Content-Length", 0)), 65536))
        with tempfile.TemporaryDirectory() as t:
            q, r = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
            open(q, "wb").write(query)
            done = subprocess.run(["openssl", "ts", "-reply", "-config", sys.argv[1], "-queryfile", q, "-out", r],
                                  capture_output=True).returncode == 0
            body = open(r, "rb").read() if done and os.path.exists(r) else b""
        if body and not first:
            first.append(body)
        self.answer(body)

    def answer(self, body):
        self.send_response(200 if body else 500)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2], "w") as f:
    f.write("127.0.0.1:%d" % server.server_port)
server.serve_forever()
PY
python3 "$tsa/tsa.py" "$tsa/tsa.cnf" "$tsa/addr" &
tsa_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tsa/addr" ] && break
  sleep 0.1
done
[ -s "$tsa/addr" ] || fail "the TSA did not start"
tsa_url="http://$(cat "$tsa/addr")/"
hanko_trust=(--trust "$tsa/ca.pem")
for format in pades pkcs7; do
  echo ABC123 | "$kazasu" --virtual --lang en -v sign --pdf cairo.pdf -o "bt-$format.pdf" --pdf-format "$format" \
    --cert "$pki/sign.pem" --tsa "$tsa_url" --pin-stdin >"bt-$format.out" 2>"bt-$format.err" \
    || { cat "bt-$format.err"; fail "sign with --tsa"; }
  checks "bt-$format.pdf" 1
  grep -q 'Time-stamp (RFC 3161): ' "bt-$format.pdf.verify" || fail "kazasu verify shows no time-stamp"
  out=$("$venv/bin/pyhanko" sign validate --trust "$pki/sign-ca.pem" --trust "$tsa/ca.pem" --trust-replace \
    --no-revocation-check --pretty-print "bt-$format.pdf" 2>/dev/null) || { echo "$out"; fail "pyHanko B-T"; }
  grep -q 'The timestamp token is cryptographically sound.' <<<"$out" || { echo "$out"; fail "pyHanko: token"; }
  grep -q 'The signature is judged VALID.' <<<"$out" || { echo "$out"; fail "pyHanko: B-T not valid"; }
  grep -E 'Signature timestamp token|TSA certificate subject' <<<"$out" | sed "s|^|  pyHanko bt-$format.pdf: |"
  grep 'Time-stamp' "bt-$format.pdf.verify" | sed "s|^|  kazasu verify bt-$format.pdf:|"
done
echo "== pdf: PAdES B-LT (--pades-level lt: a DSS with the chain and the CRLs) and B-LTA (lta: a document time-stamp)"
lt_started=$(date +%s)
# pyHanko's AdES validation (adesverify) requires revocation data for every certificate and cannot fetch any here
# (the responder and distribution points are .invalid): it can only come from the DSS.
ades() {
  "$venv/bin/pyhanko" sign adesverify --trust "$pki/sign-ca.pem" --trust "$tsa/ca.pem" --trust-replace \
    --pretty-print "$1" 2>&1
}
for level in lt lta; do
  echo ABC123 | "$kazasu" --virtual --lang en sign --pdf cairo.pdf -o "$level.pdf" --cert "$pki/sign.pem" \
    --tsa "$tsa_url" --pades-level "$level" --ca "$pki/sign-ca.pem" --crl "$pki/sign-ca.crl.pem" \
    --crl "$tsa/root.crl.pem" --pin-stdin >"$level.out" 2>"$level.err" || { cat "$level.err"; fail "sign --pades-level $level"; }
  grep -q 'added to the DSS: 3 certificates, 2 CRLs' "$level.out" || fail "$level: $(cat "$level.out")"
  qpdf --check "$level.pdf" >/dev/null || fail "qpdf --check $level.pdf"
  cmp -s -n "$(stat -c %s cairo.pdf)" cairo.pdf "$level.pdf" || fail "$level.pdf: the input is not an exact prefix"
  "$kazasu" --lang en verify "$level.pdf" --ca "$pki/sign-ca.pem" >"$level.verify" || fail "kazasu verify $level.pdf"
  out=$(ades "$level.pdf") || { echo "$out"; fail "pyHanko AdES: $level.pdf"; }
  grep -q 'The signature is judged VALID.' <<<"$out" || { echo "$out"; fail "pyHanko AdES: $level.pdf not valid"; }
  grep -q 'All modifications relate to signature maintenance' <<<"$out" || { echo "$out"; fail "pyHanko: $level.pdf changes"; }
  echo "$level.pdf: pyHanko's AdES validation VALID with the DSS's revocation data; $(grep -c . "$level.verify") lines from kazasu verify"
done
# B-LT with an OCSP answer instead of the signer's CRL: OpenSSL's responder for the test sign CA (on loopback, one
# `openssl ocsp` per request; its own -port mode would bind every interface) says good; the DSS keeps its answer.
serial=$(openssl x509 -in "$pki/sign.pem" -noout -serial | cut -d= -f2)
printf 'V\t491231000000Z\t\t%s\tunknown\t/CN=test\n' "$serial" >"$tsa/ocsp-index.txt"
cat >"$tsa/ocsp.py" <<'PY'
# A loopback OCSP responder: each POSTed request is answered by `openssl ocsp` (the test sign CA signs).
import http.server, os, subprocess, sys, tempfile

index, ca, key, addr_file = sys.argv[1:5]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        request = self.rfile.read(min(int(self.headers.get("Content-Length", 0)), 65536))
        with tempfile.TemporaryDirectory() as t:
            q, r = os.path.join(t, "q.der"), os.path.join(t, "r.der")
            open(q, "wb").write(request)
            subprocess.run(["openssl", "ocsp", "-index", index, "-CA", ca, "-rsigner", ca, "-rkey", key, "-ndays", "1",
                            "-reqin", q, "-respout", r], capture_output=True)
            body = open(r, "rb").read() if os.path.exists(r) else b""
        self.send_response(200 if body else 500)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(addr_file, "w") as f:
    f.write("127.0.0.1:%d" % server.server_port)
server.serve_forever()
PY
python3 "$tsa/ocsp.py" "$tsa/ocsp-index.txt" "$pki/sign-ca.pem" "$pki/sign-ca.TEST-ONLY.key.pem" "$tsa/ocsp-addr" &
ocsp_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tsa/ocsp-addr" ] && break
  sleep 0.1
done
[ -s "$tsa/ocsp-addr" ] || fail "the OCSP responder did not start"
echo ABC123 | "$kazasu" --virtual --lang en sign --pdf cairo.pdf -o lt-ocsp.pdf --cert "$pki/sign.pem" --tsa "$tsa_url" \
  --pades-level lt --ca "$pki/sign-ca.pem" --ocsp="http://$(cat "$tsa/ocsp-addr")/" --pin-stdin >lt-ocsp.out 2>lt-ocsp.err \
  || { cat lt-ocsp.err; fail "sign --pades-level lt --ocsp"; }
grep -q 'added to the DSS: 3 certificates, 0 CRLs, 1 OCSP response' lt-ocsp.out || fail "lt --ocsp: $(cat lt-ocsp.out)"
# pyHanko's AdES validation (adesverify) does not take this OpenSSL responder's answer, not even from a DSS that
# pyHanko itself writes (tried: "no revocation information could be found"); its path validation does: with the
# DSS as its only source of revocation data (require mode, no fetching) the signer is trusted, without it not.
"$venv/bin/python" -W ignore - "$pki/sign-ca.pem" lt-ocsp.pdf <<'PY' || fail "pyHanko: the OCSP answer in the DSS of lt-ocsp.pdf"
import logging, sys
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
logging.disable(logging.CRITICAL)  # the TSA's chain is not trusted here: pyHanko logs it with a traceback
from pyhanko_certvalidator import ValidationContext
reader = PdfFileReader(open(sys.argv[2], "rb"))
kwargs = {"trust_roots": [load_cert_from_pemder(sys.argv[1])], "allow_fetching": False, "revocation_mode": "require"}
dss = DocumentSecurityStore.read_dss(reader)
signature = reader.embedded_regular_signatures[0]
with_dss = validate_pdf_signature(signature, signer_validation_context=dss.as_validation_context(kwargs))
without = validate_pdf_signature(signature, signer_validation_context=ValidationContext(**kwargs, crls=[], ocsps=[]))
print(f"lt-ocsp.pdf: pyHanko with the DSS ({len(dss.ocsps)} OCSP): {with_dss.summary()}; without it: {without.summary()}")
sys.exit(0 if with_dss.trusted and not without.trusted and len(dss.ocsps) == 1 else 1)
PY
# The same validation of the B-T file (no DSS) fails for want of revocation data: what made lt.pdf valid is its DSS.
out=$(ades bt-pades.pdf) && fail "pyHanko's AdES validation accepted a file without revocation data"
grep -q 'no revocation information could be found' <<<"$out" || { echo "$out"; fail "bt-pades.pdf: $out"; }
echo "bt-pades.pdf (no DSS): pyHanko's AdES validation INVALID, no revocation information"
# B-LTA: pyHanko finds the document time-stamp (past proof of existence for the signature: without one it warns
# "No document timestamps after signature"), intact and by the trusted TSA; kazasu verify checks it too.
grep -q 'No document timestamps after signature' <<<"$(ades lt.pdf)" || fail "pyHanko: lt.pdf has a document time-stamp?"
grep -q 'No document timestamps after signature' <<<"$(ades lta.pdf)" && fail "pyHanko: no document time-stamp in lta.pdf"
"$venv/bin/python" -W ignore - "$tsa/ca.pem" lta.pdf <<'PY' || fail "pyHanko: the document time-stamp of lta.pdf"
import sys
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext
vc = ValidationContext(trust_roots=[load_cert_from_pemder(sys.argv[1])])
stamps = PdfFileReader(open(sys.argv[2], "rb")).embedded_timestamp_signatures
assert len(stamps) == 1, stamps
status = validate_pdf_timestamp(stamps[0], validation_context=vc)
print(f"lta.pdf: pyHanko document time-stamp {stamps[0].field_name}: {status.summary()} at {status.timestamp}")
sys.exit(0 if status.valid and status.intact and status.trusted and status.coverage.name == "ENTIRE_FILE" else 1)
PY
grep -q 'Document time-stamp 2: ' lta.verify || fail "kazasu verify shows no document time-stamp: $(cat lta.verify)"
echo "B-LT and B-LTA: $(($(date +%s) - lt_started)) s"
# An answer to another request (replayed: other nonce, other imprint) is refused, and nothing is written.
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf cairo.pdf -o bt-replay.pdf --tsa "${tsa_url}replay" \
  --pin-stdin 2>bt-replay.err; then
  fail "a replayed time-stamp was accepted"
fi
grep -q 'No time-stamp could be had' bt-replay.err || fail "replayed time-stamp: $(cat bt-replay.err)"
[ ! -e bt-replay.pdf ] || fail "an output was written with a replayed time-stamp"
# The TSA's chain counts: without the TSA's root pyHanko refuses the same file (its check above was real).
hanko_trust=()
if hanko bt-pades.pdf >/dev/null; then fail "pyHanko accepted a time-stamp from an untrusted TSA"; fi
stop_tsa
if echo ABC123 | "$kazasu" --virtual --lang en sign --pdf cairo.pdf -o bt-down.pdf --tsa "$tsa_url" --pin-stdin \
  2>bt-down.err; then
  fail "signed with a TSA that is down"
fi
grep -q 'No time-stamp could be had' bt-down.err || fail "TSA down: $(cat bt-down.err)"
[ ! -e bt-down.pdf ] || fail "an output was written without the time-stamp asked for"

echo "== pdf: the real-PDF table (scripts/pdf-corpus.sh over ../shared/pdf-corpus, at most 300 s)"
cd - >/dev/null
corpus_started=$(date +%s)
# --earlier-intact: a suspicious change after an earlier signature fails too (issue 22's first item; pyHanko's
# read errors on issue15557, its own co-signature's too, are told in the table, not counted).
timeout 300 scripts/pdf-corpus.sh --earlier-intact --kazasu "$kazasu" >"$work/corpus-table.md" \
  || fail "the real-PDF table (scripts/pdf-corpus.sh)"
tail -n 1 "$work/corpus-table.md"
echo "real-PDF table: $(($(date +%s) - corpus_started)) s"
cd "$work"

if [ -n "${KAZASU_PDF_NO_PCSC:-}" ]; then
  echo "pdf: all checks but PC/SC passed in $(($(date +%s) - started)) s (KAZASU_PDF_NO_PCSC)"
  exit 0
fi
echo "== pdf: over PC/SC (pcscd + vpcd + the software card served by kazasu card serve)"
cd - >/dev/null
pcsc_install >/dev/null
pcsc_start "$kazasu"
cd "$work"
echo ABC123 | "$kazasu" --lang en -v sign --pdf objstm.pdf -o pcsc.pdf --cert "$pki/sign.pem" --pin-stdin \
  >pcsc.out 2>pcsc.err || { cat pcsc.err; fail "sign over PC/SC"; }
grep -q 'Using the built-in software card' pcsc.err && fail "the PC/SC run used --virtual"
echo "objstm.pdf → pcsc.pdf over PC/SC: $(grep -o 'tap: [0-9]* APDUs' pcsc.err | awk '{s += $2} END {print s}') APDUs"
checks pcsc.pdf 1
pcsc_stop
cd - >/dev/null
echo "pdf: all checks passed in $(($(date +%s) - started)) s"
