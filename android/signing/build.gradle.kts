// Library module: the generated uniffi bindings, the NFC transport (IsoDep) and the flow's view logic.
// Its platform-free part (src/main/kotlin) is also compiled and unit-tested on the JVM by ../jvm-tests (Maven).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "jp.kazasu.signing"
    compileSdk = 35

    defaultConfig {
        minSdk = 28
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            // src/main/kotlin: no Android APIs (JVM-tested); src/android/kotlin: NFC.
            // build/generated/uniffi: Kotlin bindings written by ../build-rust.sh; jniLibs: the Rust libraries.
            java.srcDirs("src/main/kotlin", "src/android/kotlin", "build/generated/uniffi/kotlin")
            jniLibs.srcDirs("src/main/jniLibs")
        }
        getByName("test") {
            java.srcDirs("src/test/kotlin")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        unitTests.all { it.useJUnitPlatform() }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call the Rust library through JNA; the AAR carries JNA's own native part.
    api("net.java.dev.jna:jna:5.19.1@aar")
    testImplementation("org.junit.jupiter:junit-jupiter:5.14.4")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher:1.14.4")
}
