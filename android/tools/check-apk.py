#!/usr/bin/env python3
"""Checks an APK built without Gradle (android/tools/build-apk.sh) against what the project promises.

    check-apk.py APK                     everything below
    check-apk.py --manifest-only AP_     only the manifest checks, on aapt's resource package (.ci/apk.sh uses
                                         this on packages made from changed manifests, to show the checks fail)

The promises are read from the repository, not restated here: package, versionCode/Name, minSdk and targetSdk
from android/app/build.gradle.kts; the App Link's host and path and the package from app-links.toml. What the
project states in words (android/README.md) is fixed below: the permissions NFC, CAMERA and INTERNET and no
other (and every permission the signing library's manifest asks for, which Gradle would merge); NFC required, the camera not (only the desktop QR hand-off uses it); MainActivity the launcher and the only exported
component, taking the verified App Links (autoVerify) for signing and log-in and the kazasu://sign and
kazasu://login fallbacks; no backup of the app's data.

Read from the APK as Android reads it: `aapt dump badging` (what a store filters on, implied features included)
and `aapt dump xmltree … AndroidManifest.xml` (the binary manifest); the classes the manifest names are looked up
in the dex files; `zipalign -c -p 4` and `apksigner verify --verbose` must pass. Every problem is listed; the exit
status is 1 when there is one.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRADLE = ROOT / "android/app/build.gradle.kts"
LINKS = ROOT / "app-links.toml"
ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64")  # build-rust.sh's and build-apk.sh's
PERMISSIONS = {"android.permission.NFC", "android.permission.CAMERA", "android.permission.INTERNET"}
# The library module's manifest: Gradle merges it into the app's, aapt does not, so what it asks for must be in
# the app's manifest too.
LIBRARY_MANIFEST = ROOT / "android/signing/src/main/AndroidManifest.xml"
ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
FALLBACKS = (("kazasu", "sign"), ("kazasu", "login"))  # kazasu://sign?r=…, kazasu://login?r=…
TRUE = "true"


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def gradle_promises():
    text = GRADLE.read_text(encoding="utf-8")
    out = {}
    for key in ("applicationId", "versionCode", "versionName", "minSdk", "targetSdk"):
        m = re.search(rf'^\s*{key}\s*=\s*"?([^"\n]+?)"?\s*$', text, re.M)
        if not m:
            sys.exit(f"check-apk.py: no {key} in {GRADLE}")
        out[key] = m.group(1)
    return out


class Element:
    def __init__(self, name):
        self.name, self.attrs, self.children = name, {}, []

    def all(self, name):
        """Every descendant element called NAME."""
        for c in self.children:
            if c.name == name:
                yield c
            yield from c.all(name)

    def kids(self, name):
        return [c for c in self.children if c.name == name]


def attr_value(raw):
    """An attribute value as `aapt dump xmltree` prints it → str ("true"/"false" for booleans)."""
    m = re.fullmatch(r'"(.*)" \(Raw: ".*"\)', raw)
    if m:
        return m.group(1)
    m = re.fullmatch(r"\(type 0x12\)0x([0-9a-f]+)", raw)
    if m:
        return "false" if int(m.group(1), 16) == 0 else TRUE
    m = re.fullmatch(r"\(type 0x1[01]\)0x([0-9a-f]+)", raw)
    if m:
        return str(int(m.group(1), 16))
    return raw  # a reference (@0x7f…) or something this check does not compare


def parse_xmltree(text):
    """The element tree of `aapt dump xmltree` output (two spaces of indent per level)."""
    root = Element("#document")
    stack = [(-1, root)]
    for line in text.splitlines():
        m = re.match(r"( *)([NEA]): (.*)$", line)
        if not m:
            continue
        indent, kind, rest = len(m.group(1)), m.group(2), m.group(3)
        while stack[-1][0] >= indent:
            stack.pop()
        if kind == "E":
            el = Element(rest.split(" ", 1)[0])
            stack[-1][1].children.append(el)
            stack.append((indent, el))
        elif kind == "A":
            am = re.match(r"([\w:]+?)(?:\(0x[0-9a-f]+\))?=(.*)$", rest)
            if am:
                stack[-1][1].attrs[am.group(1)] = attr_value(am.group(2))
        # N: namespace lines only shift the indent of what follows them
        else:
            stack.append((indent, stack[-1][1]))
    return root


def parse_badging(text):
    lines = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        lines.setdefault(key, []).append(rest)
    return lines


def quoted(rest, name):
    m = re.search(rf"{name}='([^']*)'", rest)
    return m.group(1) if m else None


def check_manifest(apk, problems):
    g = gradle_promises()
    with open(LINKS, "rb") as f:
        links = tomllib.load(f)
    package = g["applicationId"]
    if links["android"]["package"] != package:
        problems.append(f"app-links.toml names package {links['android']['package']}, build.gradle.kts {package}")

    # --- aapt dump badging: what a device and a store see
    b = run("aapt", "dump", "badging", str(apk))
    if b.returncode != 0:
        problems.append(f"aapt dump badging failed: {b.stderr.strip()}")
        return
    badging = parse_badging(b.stdout)
    pkg = badging.get("package", [""])[0]
    for key, want in (("name", package), ("versionCode", g["versionCode"]), ("versionName", g["versionName"])):
        if quoted(pkg, key) != want:
            problems.append(f"badging: package {key} is {quoted(pkg, key)!r}, build.gradle.kts says {want!r}")
    for key, want in (("sdkVersion", g["minSdk"]), ("targetSdkVersion", g["targetSdk"])):
        got = badging.get(key, ["''"])[0].strip("'")
        if got != want:
            problems.append(f"badging: {key} is {got!r}, build.gradle.kts says {want!r}")
    launchers = [quoted(r, "name") for r in badging.get("launchable-activity", [])]
    if launchers != [f"{package}.MainActivity"]:
        problems.append(f"badging: launchable activities {launchers}, expected only {package}.MainActivity")
    perms = {quoted(r, "name") for r in badging.get("uses-permission", [])}
    if perms != PERMISSIONS:
        problems.append(f"badging: permissions {sorted(perms)}, promised exactly {sorted(PERMISSIONS)}")
    library = {e.get(f"{ANDROID_NS}name") for e in ET.parse(LIBRARY_MANIFEST).getroot().iter("uses-permission")}
    if library - perms:
        problems.append(f"badging: {sorted(library - perms)} asked for by signing's manifest (merged by Gradle) "
                        f"missing from the APK; aapt merges no manifests, so the app's must name them")
    required = {quoted(r, "name") for r in badging.get("  uses-feature", [])}
    not_required = {quoted(r, "name") for r in badging.get("  uses-feature-not-required", [])}
    if "android.hardware.nfc" not in required:
        problems.append("badging: android.hardware.nfc is not a required feature (the card is read over NFC)")
    for cam in ("android.hardware.camera", "android.hardware.camera.any"):
        if cam in required:
            implied = [r for r in badging.get("  uses-implied-feature", []) if quoted(r, "name") == cam]
            why = f" (implied: {quoted(implied[0], 'reason')})" if implied else ""
            problems.append(f"badging: {cam} is required{why}; the camera is only for the QR hand-off, so "
                            f"phones without one must be able to install the app")
    if "android.hardware.camera.any" not in not_required:
        problems.append("badging: android.hardware.camera.any is not declared as an optional feature")

    # --- aapt dump xmltree: the binary manifest itself
    x = run("aapt", "dump", "xmltree", str(apk), "AndroidManifest.xml")
    if x.returncode != 0:
        problems.append(f"aapt dump xmltree failed: {x.stderr.strip()}")
        return
    doc = parse_xmltree(x.stdout)
    manifest = doc.kids("manifest")[0] if doc.kids("manifest") else Element("manifest")
    if manifest.attrs.get("package") != package:
        problems.append(f"manifest: package {manifest.attrs.get('package')!r}, expected {package!r}")
    sdk = manifest.kids("uses-sdk")
    sdk = sdk[0].attrs if sdk else {}
    for attr, want in (("android:minSdkVersion", g["minSdk"]), ("android:targetSdkVersion", g["targetSdk"])):
        if sdk.get(attr) != want:
            problems.append(f"manifest: uses-sdk {attr} is {sdk.get(attr)!r}, expected {want}")
    for perm in sorted(PERMISSIONS):
        if perm not in {e.attrs.get("android:name") for e in manifest.kids("uses-permission")}:
            problems.append(f"manifest: no <uses-permission {perm}>")
    app = manifest.kids("application")
    app = app[0] if app else Element("application")
    if app.attrs.get("android:allowBackup") != "false":
        problems.append("manifest: android:allowBackup is not false (the app's files must not leave the phone)")

    def full(name):
        return package + name if name.startswith(".") else name

    exported = []
    for kind in ("activity", "activity-alias", "service", "receiver", "provider"):
        for comp in app.kids(kind):
            # A component with an intent filter is exported by default; targetSdk ≥ 31 requires saying so.
            if comp.attrs.get("android:exported") == TRUE:
                exported.append(full(comp.attrs.get("android:name", "?")))
    if exported != [f"{package}.MainActivity"]:
        problems.append(f"manifest: exported components {exported}, expected only {package}.MainActivity")

    main = [a for a in app.kids("activity") if full(a.attrs.get("android:name", "")) == f"{package}.MainActivity"]
    if not main:
        problems.append("manifest: no MainActivity")
        return
    filters = main[0].kids("intent-filter")

    def names(f, tag):
        return {e.attrs.get("android:name") for e in f.kids(tag)}

    def datas(f):
        return [e.attrs for e in f.kids("data")]

    view = "android.intent.action.VIEW"
    browsable = {"android.intent.category.DEFAULT", "android.intent.category.BROWSABLE"}
    if not any(names(f, "action") == {"android.intent.action.MAIN"}
               and "android.intent.category.LAUNCHER" in names(f, "category") for f in filters):
        problems.append("manifest: MainActivity has no MAIN/LAUNCHER intent filter")
    host = links["host"]
    https = [f for f in filters if any(d.get("android:scheme") == "https" for d in datas(f))]
    for path in (links["path"], links["login_path"]):
        applink = [f for f in https
                   if names(f, "action") == {view} and browsable <= names(f, "category")
                   and any(d.get("android:host") == host for d in datas(f))
                   and any(d.get("android:path") == path for d in datas(f))]
        if not applink:
            problems.append(f"manifest: no VIEW/DEFAULT/BROWSABLE intent filter for https://{host}{path}")
    for f in https:
        if f.attrs.get("android:autoVerify") != TRUE:
            problems.append(f"manifest: the https intent filter {[d for d in datas(f)]} lacks android:autoVerify=true "
                            f"(without it the App Link is not verified and any app may claim it)")
        hosts = {d.get("android:host") for d in datas(f)} - {None}
        if hosts != {host}:
            problems.append(f"manifest: the https intent filter claims hosts {sorted(hosts)}, app-links.toml only {host}")
    for scheme, fhost in FALLBACKS:
        if not any(names(f, "action") == {view} and browsable <= names(f, "category")
                   and any(d.get("android:scheme") == scheme and d.get("android:host") == fhost for d in datas(f))
                   for f in filters):
            problems.append(f"manifest: no VIEW/DEFAULT/BROWSABLE intent filter for the fallback {scheme}://{fhost}")

    return [full(a.attrs.get("android:name", "")) for a in app.kids("activity")] + (
        [full(app.attrs["android:name"])] if "android:name" in app.attrs else [])


def check_contents(apk, classes, problems):
    with zipfile.ZipFile(apk) as z:
        names = set(z.namelist())
        dex = b"".join(z.read(n) for n in sorted(names) if re.fullmatch(r"classes\d*\.dex", n))
    if not dex:
        problems.append("no classes.dex")
    for cls in classes:
        # A class's type descriptor is in the dex string table of the file that defines or uses it.
        if f"L{cls.replace('.', '/')};".encode() not in dex:
            problems.append(f"dex: no class {cls}, which the manifest names")
    for cls in ("kotlin.Unit", "com.sun.jna.Native", "jp.kazasu.ffi.SigningFlow"):
        if f"L{cls.replace('.', '/')};".encode() not in dex:
            problems.append(f"dex: no class {cls}")
    for abi in ABIS:
        if f"lib/{abi}/libjnidispatch.so" not in names:
            problems.append(f"no lib/{abi}/libjnidispatch.so (JNA)")
    rust = sorted(n for n in names if n.endswith("/libkazasu_ffi.so"))
    print(f"check-apk.py: Rust library: {', '.join(rust) if rust else 'none (an APK built without the NDK)'}")

    a = run("zipalign", "-c", "-p", "4", str(apk))
    if a.returncode != 0:
        problems.append(f"zipalign -c -p 4 failed: {(a.stdout + a.stderr).strip()[-300:]}")
    v = run("apksigner", "verify", "--verbose", "--print-certs", str(apk))
    print("\n".join("  " + line for line in v.stdout.splitlines() if line.startswith(("Verif", "Signer #1 certificate SHA-256"))))
    if v.returncode != 0:
        problems.append(f"apksigner verify failed: {(v.stdout + v.stderr).strip()[-400:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("apk", type=pathlib.Path)
    ap.add_argument("--manifest-only", action="store_true")
    args = ap.parse_args()
    problems = []
    classes = check_manifest(args.apk, problems) or []
    if not args.manifest_only:
        check_contents(args.apk, classes, problems)
    if problems:
        print(f"check-apk.py: {args.apk.name} breaks {len(problems)} promise(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        sys.exit(1)
    print(f"check-apk.py: {args.apk.name} keeps the manifest's promises"
          + ("" if args.manifest_only else f"; {len(classes)} manifest classes in the dex; aligned; signature verified"))


if __name__ == "__main__":
    main()
