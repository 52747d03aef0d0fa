"""The corpus table of scripts/pdf-corpus.sh, in one Python process (pyHanko's API, no interpreter per file).

  make-extras WORK BASE...   files first signed by pyHanko (an approval signature; a certification with
                             DocMDP P=2) and by OpenSSL (a BER SignedData with indefinite lengths, as
                             LibreOffice/NSS write) over BASE files, into WORK/inputs
  judge WORK SOURCES README [--write-readme] [--earlier-intact]
                             reads what the signing jobs left in WORK (exit codes, pdfsig and qpdf outputs),
                             validates every output with pyHanko (2 processes), prints the markdown table and
                             totals; with --write-readme puts it into README between the corpus-table markers.
                             Exit 1 on a regression it can judge: a new signature that pdfsig or pyHanko does
                             not call valid, an input that is not an exact prefix of its output, or qpdf newly
                             finding damage; with --earlier-intact also a suspicious change after an earlier
                             signature (issue 22's first item, once the token-preserving update is in).
TEST-ONLY keys of fixtures/test-pki sign everything.
"""

import asyncio
import io
import os
import re
import subprocess
import sys
import logging
import warnings

warnings.filterwarnings("ignore")
# pyHanko logs every refusal with its traceback; the table says what matters.
logging.disable(logging.CRITICAL)

PKI = os.environ.get("KAZASU_TEST_PKI", os.path.join(os.path.dirname(__file__), "..", "fixtures", "test-pki"))
CERT, KEY, CA = (os.path.join(PKI, n) for n in ("sign.pem", "sign.TEST-ONLY.key.pem", "sign-ca.pem"))
KINDS = {
    "pyhanko-approval": "pyHanko approval signature",
    "pyhanko-certified-p2": "pyHanko certification, DocMDP P=2",
    "openssl-ber": "OpenSSL BER signature",
}
BEGIN, END = "<!-- corpus-table -->", "<!-- /corpus-table -->"


def detached(ber: bytes) -> bytes:
    """`openssl cms -sign -stream` (DER form) writes BER with indefinite lengths but embeds the content: this
    takes the encapsulated content out (its [0] of OCTET STRING chunks), leaving the detached BER SignedData."""
    id_data = bytes([0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01])
    start = ber.index(id_data) + len(id_data)
    assert ber[start : start + 4] == bytes([0xA0, 0x80, 0x24, 0x80]), "the content, in chunks"
    p = start + 4
    while ber[p] == 0x04:
        first = ber[p + 1]
        if first < 0x80:
            length, header = first, 2
        else:
            n = first & 0x7F
            length, header = int.from_bytes(ber[p + 2 : p + 2 + n], "big"), 2 + n
        p += header + length
    assert ber[p : p + 4] == b"\0\0\0\0", "the ends of the string and of [0]"
    return ber[:start] + ber[p + 4 :]


def make_extras(work, bases):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm

    signer = signers.SimpleSigner.load(KEY, CERT)
    out_dir = os.path.join(work, "inputs")
    made = []
    for base in bases:
        name = os.path.basename(base)[: -len(".pdf")]
        data = open(base, "rb").read()
        kinds = {
            "approval": signers.PdfSignatureMetadata(field_name="HankoApproval", md_algorithm="sha256"),
            "certified-p2": signers.PdfSignatureMetadata(
                field_name="HankoCertification",
                md_algorithm="sha256",
                certify=True,
                docmdp_permissions=MDPPerm.FILL_FORMS,
            ),
        }
        for kind, meta in kinds.items():
            target = os.path.join(out_dir, f"pyhanko-{kind}--{name}.pdf")
            try:
                w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
                out = signers.sign_pdf(w, meta, signer=signer)
                open(target, "wb").write(out.getvalue())
                made.append(target)
            except Exception as e:  # a base pyHanko cannot sign is left out, and said so
                print(f"pdf-corpus: pyHanko could not sign {base} ({kind}): {e}", file=sys.stderr)
        # OpenSSL's BER signature over the ranges of a placeholder pyHanko made (adbe.pkcs7.detached).
        target = os.path.join(out_dir, f"openssl-ber--{name}.pdf")
        try:
            w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
            meta = signers.PdfSignatureMetadata(
                field_name="OpenSslBer", md_algorithm="sha256", subfilter=signers.pdf_byterange.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
            )
            pdf_signer = signers.PdfSigner(meta, signer=signer)
            prep, _tbs, output = asyncio.run(pdf_signer.async_digest_doc_for_signing(w, bytes_reserved=16384))
            buf = output.getvalue()
            content = buf[: prep.reserved_region_start] + buf[prep.reserved_region_end :]
            run = subprocess.run(
                ["openssl", "cms", "-sign", "-binary", "-stream", "-md", "sha256", "-outform", "DER",
                 "-signer", CERT, "-inkey", KEY],
                input=content, capture_output=True, check=True,
            )
            ber = detached(run.stdout)
            assert ber[:2] == b"\x30\x80", "an indefinite length"
            prep.fill_reserved_region(output, ber)
            open(target, "wb").write(output.getvalue())
            made.append(target)
        except Exception as e:
            print(f"pdf-corpus: no OpenSSL BER signature on {base}: {e}", file=sys.stderr)
    print(f"pdf-corpus: {len(made)} files first signed by pyHanko or OpenSSL", file=sys.stderr)


def producers(sources):
    """file → producer / creator, from the corpus's SOURCES.md table."""
    out = {}
    for line in open(sources, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].endswith(".pdf"):
            out[cells[0]] = cells[3] or "(none stated)"
    return out


def pdfsig_verdicts(text):
    """Per signature in file order: (valid, covers the whole file)."""
    out = []
    for block in re.split(r"\nSignature #\d+:", text)[1:]:
        out.append(("Signature is Valid." in block, "Total document signed" in block))
    return out


def hanko(path):
    """pyHanko's verdicts on one output: the newest signature's (valid, intact, trusted) and, for each earlier
    signature, its modification analysis: 'ok', 'suspicious: …' or 'error: …'. Strict syntax first, lenient
    when pyHanko's strict reader refuses the input itself."""
    last = None
    for strict in (True, False):
        try:
            return judge_signatures(path, strict)
        except Exception as e:
            # pyHanko's strict mode refuses some inputs themselves (hybrid-reference files, odd xref entries):
            # those are read in its lenient mode, as `pyhanko sign validate --no-strict-syntax` does.
            last = e
    return {"new": f"error: {type(last).__name__}: {str(last)[:60]}", "earlier": [], "lenient": True}


def judge_signatures(path, strict):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    result = {"new": "no signature", "earlier": [], "lenient": not strict}
    reader = PdfFileReader(open(path, "rb"), strict=strict)
    sigs = sorted(reader.embedded_regular_signatures, key=lambda s: s.signed_revision)
    for i, sig in enumerate(sigs):
        vc = ValidationContext(
            trust_roots=[load_cert_from_pemder(CA)], allow_fetching=False, revocation_mode="soft-fail"
        )
        newest = i == len(sigs) - 1
        try:
            status = validate_pdf_signature(sig, signer_validation_context=vc)
        except Exception as e:
            if strict and "hybrid" in str(e):
                raise
            verdict = f"error: {type(e).__name__}: {str(e)[:60]}"
            if newest:
                result["new"] = verdict
            else:
                result["earlier"].append(verdict)
            continue
        if newest:
            ok = status.valid and status.intact and status.trusted
            result["new"] = "valid" if ok else f"invalid ({status.summary()})"
        else:
            suspicious = (
                isinstance(status.diff_result, SuspiciousModification)
                or status.modification_level == ModificationLevel.OTHER
                or not status.docmdp_ok
            )
            if suspicious:
                why = status.diff_result if isinstance(status.diff_result, SuspiciousModification) else ""
                result["earlier"].append(f"suspicious: {str(why)[:80]}")
            else:
                result["earlier"].append("ok")
    return result


def judge(work, sources, readme, write, earlier_intact):
    from multiprocessing import Pool

    who = producers(sources)
    rows = []
    names = sorted(os.listdir(os.path.join(work, "inputs")))
    res = os.path.join(work, "results")
    outs = [os.path.join(work, "outputs", n) for n in names]
    signed = [o for o in outs if os.path.exists(o)]
    with Pool(2) as pool:
        verdicts = dict(zip(signed, pool.map(hanko, signed)))
    failures = []
    totals = {"files": 0, "signed": 0, "refused": 0, "pdfsig": 0, "hanko": 0, "qpdf_clean": 0, "qpdf_worse": 0,
              "earlier": 0, "earlier_ok": 0}
    for name, out in zip(names, outs):
        read = lambda ext: open(os.path.join(res, name + ext), encoding="utf-8", errors="replace").read()
        rc, q_before, q_after, prefix = (read(".rc").split() + ["-"] * 4)[:4]
        base = name.split("--", 1)[-1]
        kind = name.split("--", 1)[0] if "--" in name else ""
        producer = who.get(base, "?")
        if kind:
            producer = f"{KINDS.get(kind, kind)} over {base} ({producer})"
        totals["files"] += 1
        row = {"file": name, "producer": producer}
        if rc != "0":
            totals["refused"] += 1
            err = read(".err")
            reason = (
                "encrypted" if "encrypted PDF" in err
                else "damaged" if "not a readable PDF" in err
                else "unsupported structure" if "structure is not supported" in err
                else "too large" if "too large" in err
                else "other"
            )
            cause = re.search(r"INFO.*?(?:pdf|\.pdf): (.*)", err)
            detail = f" ({cause.group(1)[:120]})" if cause else ""
            row.update(signed=f"refused: {reason}{detail}", pdfsig="–", hanko="–", qpdf=f"{q_before} → –", earlier="–")
            rows.append(row)
            continue
        totals["signed"] += 1
        sig = pdfsig_verdicts(read(".pdfsig"))
        new_ok = bool(sig) and sig[-1][0] and sig[-1][1]
        totals["pdfsig"] += new_ok
        h = verdicts.get(out, {"new": "not read", "earlier": []})
        totals["hanko"] += h["new"] == "valid"
        worse = q_before == "0" and q_after != "0"
        totals["qpdf_clean"] += q_after == "0"
        totals["qpdf_worse"] += worse
        earlier = h["earlier"]
        totals["earlier"] += len(earlier)
        totals["earlier_ok"] += sum(e == "ok" for e in earlier)
        row.update(
            signed="signed" + ("" if prefix == "prefix" else " (input NOT a prefix)"),
            pdfsig="valid" if new_ok else "NOT valid",
            hanko=h["new"] + (" (lenient)" if h.get("lenient") else ""),
            qpdf=f"{q_before} → {q_after}",
            earlier=", ".join(earlier) if earlier else "–",
        )
        rows.append(row)
        if not new_ok:
            failures.append(f"{name}: pdfsig does not call the new signature valid")
        if h["new"] != "valid":
            failures.append(f"{name}: pyHanko: {h['new']}")
        if prefix != "prefix":
            failures.append(f"{name}: the input is not an exact prefix of the output")
        if worse:
            failures.append(f"{name}: qpdf --check clean before ({q_before}), not after ({q_after})")
        if earlier_intact and any(e.startswith("suspicious") for e in earlier):
            failures.append(f"{name}: pyHanko finds a suspicious change after an earlier signature")

    esc = lambda s: str(s).replace("|", "\\|")
    lines = [
        "| file | producer / creator | kazasu sign | pdfsig (new) | pyHanko (new) | qpdf --check before → after "
        "| pyHanko's modification analysis of earlier signatures |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(esc(r[k]) for k in ("file", "producer", "signed", "pdfsig", "hanko", "qpdf", "earlier")) + " |")
    t = totals
    lines.append(
        f"| **{t['files']} files** | | **{t['signed']} signed, {t['refused']} refused** | **{t['pdfsig']} of {t['signed']} valid** "
        f"| **{t['hanko']} of {t['signed']} valid** | **{t['qpdf_clean']} clean after, {t['qpdf_worse']} newly damaged** "
        f"| **{t['earlier_ok']} of {t['earlier']} no suspicious change** |"
    )
    table = "\n".join(lines)
    print(table)
    summary = (
        f"totals: {t['files']} files, {t['signed']} signed, {t['refused']} refused; new signature valid: pdfsig "
        f"{t['pdfsig']}, pyHanko {t['hanko']}; qpdf newly damaged: {t['qpdf_worse']}; earlier signatures without "
        f"suspicious change: {t['earlier_ok']} of {t['earlier']}"
    )
    print(summary, file=sys.stderr)
    if write:
        text = open(readme, encoding="utf-8").read()
        if BEGIN not in text or END not in text:
            print(f"pdf-corpus: {readme} has no {BEGIN} … {END} markers", file=sys.stderr)
            return 1
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        open(readme, "w", encoding="utf-8").write(f"{head}{BEGIN}\n{table}\n{END}{tail}")
        print(f"pdf-corpus: table written into {readme}", file=sys.stderr)
    for f in failures:
        print(f"pdf-corpus: REGRESSION: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1] == "make-extras":
        make_extras(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "judge":
        flags = sys.argv[5:]
        sys.exit(judge(sys.argv[2], sys.argv[3], sys.argv[4], "--write-readme" in flags, "--earlier-intact" in flags))
    else:
        sys.exit(f"usage: {sys.argv[0]} make-extras WORK BASE... | judge WORK SOURCES README [--write-readme] [--earlier-intact]")
