#!/usr/bin/env bash
# The app's manifest and resources compiled by aapt (Debian's `aapt`, no Gradle/AGP) against a platform jar:
#
#   android/tools/aapt-package.sh PLATFORM_JAR OUT_DIR
#
# PLATFORM_JAR: a jar holding the platform's resources.arsc (Robolectric's android-all carries it, and so does an
# SDK's android.jar). Writes into OUT_DIR:
#   AndroidManifest.xml        app/src/main/AndroidManifest.xml with the package attribute aapt needs
#   app.ap_                    the resource package (binary manifest + resources.arsc): what an APK starts from
#   gen/jp/kazasu/app/R.java   the resource ids aapt assigned (the classes packaged with app.ap_ must be compiled
#                              against this R, since Kotlin inlines its constants)
# The package, versionCode/Name and min/target SDK are app/build.gradle.kts's (Gradle adds them to the manifest;
# the source has none): aapt's own options insert them, so this file states none of them itself.
# The manifest and resources are taken relative to this script (../app), so a copy of android/ with a changed
# manifest packages that one (.ci/apk.sh relies on this to show its checks can fail).
set -euo pipefail
platform=${1:?usage: aapt-package.sh PLATFORM_JAR OUT_DIR}
out=${2:?usage: aapt-package.sh PLATFORM_JAR OUT_DIR}
app="$(cd "$(dirname "$0")/.." && pwd)/app"
command -v aapt >/dev/null || { echo "aapt-package.sh: aapt missing (apt-get install aapt)" >&2; exit 1; }
[ -s "$platform" ] || { echo "aapt-package.sh: no platform jar at $platform" >&2; exit 1; }

# gradle_value NAME: the value of `NAME = value` (quotes removed) in app/build.gradle.kts.
gradle_value() {
    local v
    v=$(sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"?([^\"]*)\"?[[:space:]]*$/\1/p" "$app/build.gradle.kts" | head -n1)
    [[ -n $v ]] || { echo "aapt-package.sh: no $1 in app/build.gradle.kts" >&2; exit 1; }
    printf '%s' "$v"
}
package=$(gradle_value applicationId)
min_sdk=$(gradle_value minSdk)
target_sdk=$(gradle_value targetSdk)
version_code=$(gradle_value versionCode)
version_name=$(gradle_value versionName)

mkdir -p "$out"
rm -rf "$out/gen" "$out/app.ap_"
mkdir -p "$out/gen"
manifest="$out/AndroidManifest.xml"
# aapt refuses a manifest without package (its --rename-manifest-package only renames an existing one).
sed -E "0,/<manifest /s//<manifest package=\"$package\" /" "$app/src/main/AndroidManifest.xml" >"$manifest"
grep -q "<manifest package=\"$package\"" "$manifest" ||
    { echo "aapt-package.sh: no <manifest> element to name the package in" >&2; exit 1; }

aapt package -f --no-crunch -M "$manifest" -S "$app/src/main/res" -I "$platform" \
    --min-sdk-version "$min_sdk" --target-sdk-version "$target_sdk" \
    --version-code "$version_code" --version-name "$version_name" \
    -F "$out/app.ap_" -J "$out/gen" -m
test -s "$out/app.ap_" && test -s "$out/gen/${package//.//}/R.java"
echo "aapt-package.sh: $out/app.ap_ ($package $version_name ($version_code), minSdk $min_sdk, targetSdk $target_sdk)"
