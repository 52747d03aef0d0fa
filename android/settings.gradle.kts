// Open this directory (android/) in Android Studio. Run ./build-rust.sh first (Rust library + Kotlin bindings).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "kazasu-android"
include(":app", ":signing")
