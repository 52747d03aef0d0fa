#!/usr/bin/env bash
# The app's manifest and resources compiled by aapt (Debian's `aapt`, no Gradle/AGP) against a platform jar:
#
#   android/tools/aapt-package.sh PLATFORM_JAR OUT_DIR
#
# PLATFORM_JAR: a jar holding the platform's resources.arsc (Robolectric's android-all, or an SDK's android.jar;
# Debian's aapt (Android 10) cannot read API 35's table — compact entries — so API 34's). Writes into OUT_DIR:
#   AndroidManifest.xml   the manifest as packaged: app/src/main/AndroidManifest.xml with the package, version
#                         and <uses-sdk> of app/build.gradle.kts (Gradle adds them there; the source has none)
#   app.ap_               the resource package (binary manifest + resources.arsc + res/), what an APK starts from
#   gen/…/R.java          the resource ids aapt assigned (class jp.kazasu.app.R)
# Used by the Robolectric suite (android/robolectric, as its resource APK) and meant for the APK build too.
set -euo pipefail
platform=${1:?platform jar}
out=${2:?output directory}
here=$(cd "$(dirname "$0")/.." && pwd)
app="$here/app"

# One source for these facts: the Gradle file.
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

mkdir -p "$out/gen"
manifest="$out/AndroidManifest.xml"
# The first <manifest …> gets package/version, and <uses-sdk> goes right after it.
sed -E "0,/<manifest /s//<manifest package=\"$package\" android:versionCode=\"$version_code\" android:versionName=\"$version_name\" /" \
    "$app/src/main/AndroidManifest.xml" |
    sed -E "0,/^([[:space:]]*)<uses-permission /s//\1<uses-sdk android:minSdkVersion=\"$min_sdk\" android:targetSdkVersion=\"$target_sdk\" \/>\n\1<uses-permission /" \
        >"$manifest"
grep -q "package=\"$package\"" "$manifest" && grep -q "<uses-sdk" "$manifest" ||
    { echo "aapt-package.sh: could not complete the manifest" >&2; exit 1; }

rm -f "$out/app.ap_"
aapt package -f --no-crunch -M "$manifest" -S "$app/src/main/res" -I "$platform" -F "$out/app.ap_" -J "$out/gen"
# (Debian's aapt writes R.java at the top of -J; other builds in the package's directories.)
test -s "$out/app.ap_" && find "$out/gen" -name R.java | grep -q .
echo "aapt-package.sh: $out/app.ap_ ($package $version_name, minSdk $min_sdk, targetSdk $target_sdk)"
