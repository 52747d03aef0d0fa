"""pyHanko's side of .ci/pdf.sh's co-signing checks (run by the venv's python), in one process for speed.

    python pdf-modifications.py sign CERT KEY MODE OUTDIR IN…
        pyHanko signs each IN into OUTDIR/MODE-NAME, as a first signature for Kazasu to co-sign, and prints the
        names written. MODE: approval (a PAdES approval signature), certify2 (a certification allowing form
        filling and signing, DocMDP P=2), certify2field (the same, with an empty signature field "Approval" left
        on the first page for the next signer), certify1 (a certification allowing no change, P=1). An input pyHanko
        cannot read is said on stderr and left out.
    python pdf-modifications.py check CA KEY FIRSTDIR FILE…
        Validates every signature of each FILE against the trust root CA (no revocation check) and runs pyHanko's
        modification analysis (difference policy, DocMDP) for each: every signature must be intact, valid and
        trusted; each earlier one must see only signing and form filling after it (ModificationLevel at most
        FORM_FILLING, DocMDP respected, no suspicious modification). A FILE that fails is compared with pyHanko's
        own co-signature of the same input (FIRSTDIR/its name, signed with KEY and CA's sign.pem beside it): when
        that fails the same check too, the limit is pyHanko's reading of that input, reported, not a failure.
        One line per file; exit 1 on any failure.
    python pdf-modifications.py objects ORIGINAL SIGNED [ORIGINAL SIGNED]…
        Compares every object of ORIGINAL with the same object in SIGNED (Kazasu's output), as qpdf's JSON gives
        them with every number kept as its text: each must be unchanged except for what a signature adds — an
        element appended to /Annots or /Fields, /SigFlags, /NeedAppearances removed, /AcroForm added to the
        catalog. A number rounded or any other value changed fails. Exit 1 on any failure.
"""
import json
import subprocess
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter, append_signature_field
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.pdf_utils import generic

# LibreOffice 7.4 writes a signature's /M as `D:…Z'` (a stray apostrophe after Z), which pyHanko refuses to read
# at all — its own co-signature of such a file included. The date is read without the apostrophe, so the
# modification analysis, which is what is checked here, can run.
_parse_pdf_date = generic.parse_pdf_date


def _lenient_date(date_str, strict=True):
    if isinstance(date_str, str) and date_str.rstrip().endswith("Z'"):
        date_str = date_str.rstrip()[:-1]
    return _parse_pdf_date(date_str, strict=strict)


generic.parse_pdf_date = _lenient_date


def sign(cert, key, mode, outdir, files):
    signer = signers.SimpleSigner.load(key, cert)
    for src in files:
        dst = f"{outdir}/{mode}-{src.rsplit('/', 1)[-1]}"
        if sign_one(signer, mode, src, dst):
            print(dst)


def sign_one(signer, mode, src, dst):
    perms = {"certify2": MDPPerm.FILL_FORMS, "certify2field": MDPPerm.FILL_FORMS,
             "certify1": MDPPerm.NO_CHANGES}.get(mode)
    meta = signers.PdfSignatureMetadata(
        field_name="Hanko1",
        subfilter=SigSeedSubFilter.PADES if mode == "approval" else SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        certify=perms is not None,
        docmdp_permissions=perms or MDPPerm.FILL_FORMS,
    )
    try:
        with open(src, "rb") as f:
            writer = IncrementalPdfFileWriter(f, strict=False)
            if mode == "certify2field":
                append_signature_field(writer, SigFieldSpec("Approval", on_page=0, box=(300, 100, 560, 146)))
            with open(dst, "wb") as out:
                signers.sign_pdf(writer, meta, signer=signer, output=out)
        return True
    except Exception as e:  # pyHanko cannot read or sign this input: not Kazasu's case
        print(f"pyHanko cannot sign {src}: {type(e).__name__}: {e}", file=sys.stderr)
        return False


def problems_of(path, context):
    """What is wrong with `path`'s signatures, and each one's modification level."""
    problems, levels = [], []
    try:
        with open(path, "rb") as f:
            reader = PdfFileReader(f, strict=False)
            sigs = reader.embedded_signatures
            if len(sigs) < 2:
                problems.append(f"{len(sigs)} signatures")
            for i, sig in enumerate(sigs):
                st = validate_pdf_signature(sig, context)
                last = i == len(sigs) - 1
                if not (st.intact and st.valid and st.trusted):
                    problems.append(f"{sig.field_name}: intact={st.intact} valid={st.valid} trusted={st.trusted}")
                level = st.modification_level
                levels.append(f"{sig.field_name}:{level.name if level else '?'}")
                if not last:
                    if isinstance(st.diff_result, Exception):
                        problems.append(f"{sig.field_name}: {type(st.diff_result).__name__}: {st.diff_result}")
                    if level is None or level > ModificationLevel.FORM_FILLING or not st.docmdp_ok:
                        problems.append(f"{sig.field_name}: modification level {level}, docmdp_ok={st.docmdp_ok}")
    except Exception as e:
        problems.append(f"{type(e).__name__}: {e}")
    return problems, levels


def check(ca, key, firstdir, files):
    context = ValidationContext(trust_roots=[load_cert_from_pemder(ca)], allow_fetching=False,
                                revocation_mode="soft-fail")
    signer = signers.SimpleSigner.load(key, ca.rsplit("/", 1)[0] + "/sign.pem")
    failed, theirs = 0, 0
    for path in files:
        problems, levels = problems_of(path, context)
        verdict = "ok"
        if problems:
            name = path.rsplit("/", 1)[-1]
            own = f"{path}.pyhanko-cosigned.pdf"
            meta = signers.PdfSignatureMetadata(field_name="Hanko2")
            try:
                with open(f"{firstdir}/{name}", "rb") as f, open(own, "wb") as out:
                    signers.sign_pdf(IncrementalPdfFileWriter(f, strict=False), meta, signer=signer, output=out)
                own_problems, _ = problems_of(own, context)
            except Exception as e:
                own_problems = [f"{type(e).__name__}: {e}"]
            if own_problems:
                theirs += 1
                verdict = "pyHanko's limit (its own co-signature fails the same check: " + "; ".join(own_problems) + ")"
            else:
                failed += 1
                verdict = "FAIL " + "; ".join(problems)
        print(f"{path}: {' '.join(levels)} {verdict}")
    print(f"pyHanko modification analysis: {len(files) - failed - theirs} of {len(files)} files with no suspicious "
          f"change; {theirs} where pyHanko's own co-signature fails the same way; {failed} failed")
    sys.exit(1 if failed else 0)


# Keys a signature may change, and how.
APPENDED = {"/Annots", "/Fields"}
SET = {"/SigFlags", "/AcroForm"}
REMOVABLE = {"/NeedAppearances"}


def qpdf_objects(path):
    out = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", path], capture_output=True, check=False).stdout
    # Numbers as their text: a real rounded anywhere shows as another string.
    return json.loads(out.decode("utf-8", "surrogateescape"), parse_float=str, parse_int=str)["qpdf"][1]


def differences(old, new, where):
    """What changed from `old` to `new` beyond what a signature adds."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        if set(old) == {"value"} and set(new) == {"value"}:
            return differences(old["value"], new["value"], where)
        if "stream" in old:
            return [f"{where}: stream changed"]
        found = []
        for key in set(old) | set(new):
            if key not in new and key in REMOVABLE:
                continue
            if key not in old:
                if key not in APPENDED | SET:
                    found.append(f"{where}{key} added")
                continue
            if key not in new:
                found.append(f"{where}{key} removed")
            elif key in APPENDED and isinstance(old[key], list):
                if new[key][:len(old[key])] != old[key]:
                    found.append(f"{where}{key}: {old[key]} → {new[key]}")
            elif key == "/AcroForm" and isinstance(old[key], dict):
                found.extend(differences(old[key], new[key], f"{where}/AcroForm"))
            elif key not in SET and old[key] != new[key]:
                found.append(f"{where}{key}: {json.dumps(old[key])[:120]} → {json.dumps(new[key])[:120]}")
        return found
    if isinstance(old, list) and isinstance(new, list) and new[:len(old)] == old:
        return []  # an array object (/Annots or /Fields held apart) with elements appended
    return [f"{where}: {json.dumps(old)[:120]} → {json.dumps(new)[:120]}"]


def objects(pairs):
    failed, changed_total = 0, 0
    for original, signed in pairs:
        before, after = qpdf_objects(original), qpdf_objects(signed)
        found, changed = [], 0
        for key, value in before.items():
            if key == "trailer" or not key.startswith("obj:"):
                continue
            if key not in after:
                found.append(f"{key} gone")
                continue
            if after[key] != value:
                changed += 1
                found.extend(differences(value, after[key], key))
        changed_total += changed
        if found:
            failed += 1
            print(f"{signed}: FAIL " + "; ".join(found[:5]))
    print(f"qpdf's objects: {len(pairs) - failed} of {len(pairs)} signed files change no value but what a signature "
          f"adds ({changed_total} objects written again in all)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(*sys.argv[2:6], sys.argv[6:])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "objects":
        objects(list(zip(sys.argv[2::2], sys.argv[3::2])))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
