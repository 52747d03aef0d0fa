#!/usr/bin/env bash
# Everything the suites (.ci/*.sh) download, fetched ahead in one go: scripts/test-all.sh runs this in the
# background while cargo builds, since it is mostly waiting for the network and the disk. Each suite still
# checks (and installs) what it needs itself, so it runs alone too; after this they find everything in place.
#  1. the Debian packages of every suite, in one apt transaction (the list below names who needs what);
#  2. the Swift chroot (Debian 13 + swiftlang, ~2.7 GB, created once: .ci/swift.sh --chroot-only);
#  3. pyHanko + Pillow for the PDF suite (a venv under ~/.cache/kazasu/pdf-venv, as .ci/pdf.sh makes it);
#  4. Maven's plugins and dependencies for the Kotlin and APK suites (into the same local repository .ci/kotlin.sh
#     and .ci/apk.sh use; best effort: what is missing then is fetched by the suite).
# As root on Debian 12. Installs only what is missing; starts nothing that stays.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# need PACKAGE TEST: PACKAGE is installed unless the shell command TEST succeeds — the same test the suite
# itself makes (a command may come from elsewhere than Debian's package, e.g. Node with its own npm).
missing=()
need() { eval "$2" >/dev/null 2>&1 || missing+=("$1"); }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need openjdk-17-jdk-headless "installed openjdk-17-jdk-headless"   # kotlin.sh
need maven "installed maven"
need python3 "installed python3"
need aapt "installed aapt"                                         # apk.sh
need zipalign "installed zipalign"
need apksigner "installed apksigner"
need debootstrap "command -v debootstrap"                          # swift.sh
need debian-archive-keyring "installed debian-archive-keyring"
need util-linux "command -v unshare"
need chromium "[ -x /usr/bin/chromium ]"                           # portal.sh
need nodejs "command -v node"
need npm "command -v npm"
need nginx "[ -x /usr/sbin/nginx ]"                                # tls.sh, postgres.sh
need openssl "command -v openssl"
need curl "command -v curl"
need python3-yaml "python3 -c 'import yaml'"                       # links.sh
need postgresql "compgen -G '/usr/lib/postgresql/*/bin/initdb'"    # postgres.sh
need poppler-utils "command -v pdfsig"                             # pdf.sh
need qpdf "command -v qpdf"
need ghostscript "command -v gs"
need libnss3-tools "command -v certutil"
need python3-venv "python3 -c 'import venv, ensurepip'"
if ((${#missing[@]})); then
  echo "provision: installing ${missing[*]}"
  # Waits for the package lock rather than failing, should another apt run at the same time.
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
  # Debian starts the packages' own services on install (a "main" PostgreSQL cluster on 5432, nginx on port 80)
  # where an init system lets it: the suites start their own on loopback, so these are stopped (by their PID
  # files), as .ci/postgres.sh and .ci/tls.sh do when they install them.
  pidfiles=()
  [[ " ${missing[*]} " == *" postgresql "* ]] && pidfiles+=(/var/lib/postgresql/*/main/postmaster.pid)
  [[ " ${missing[*]} " == *" nginx "* ]] && pidfiles+=(/run/nginx.pid)
  for pidfile in "${pidfiles[@]}"; do
    if [ -s "$pidfile" ]; then kill -TERM "$(head -n 1 "$pidfile")" 2>/dev/null || true; fi
  done
else
  echo "provision: every Debian package is installed"
fi

echo "provision: the Swift chroot"
bash .ci/swift.sh --chroot-only

echo "provision: pyHanko for the PDF suite"
venv="$HOME/.cache/kazasu/pdf-venv"
if ! "$venv/bin/python" -c 'import pyhanko, pyhanko.cli, PIL' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pyhanko pyhanko-cli pillow
fi

echo "provision: Maven's plugins and dependencies for the Kotlin suite"
m2="${KAZASU_M2_REPO:-/root/.m2/repository}"
mvn -B -q -ntp -f android/pom.xml -Dmaven.repo.local="$m2" dependency:go-offline >/dev/null 2>&1 ||
  echo "provision: Maven could not fetch everything ahead (the Kotlin suite fetches the rest)"
# The APK's build (android/apk/pom.xml): its plugins and dependencies, and what its apk-deps execution copies
# for D8 and the APK (R8, JNA's AAR; into android/apk/target, which build-apk.sh cleans).
mvn -B -q -ntp -f android/apk/pom.xml -Dmaven.repo.local="$m2" dependency:go-offline dependency:copy@apk-deps \
  >/dev/null 2>&1 || echo "provision: Maven could not fetch everything for the APK ahead (.ci/apk.sh fetches the rest)"
echo "provision: done"
