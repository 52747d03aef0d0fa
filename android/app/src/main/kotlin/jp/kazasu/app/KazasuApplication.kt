package jp.kazasu.app

import android.app.Application
import java.io.File
import jp.kazasu.ffi.FlowObserver
import jp.kazasu.ffi.LoginFlow
import jp.kazasu.ffi.LoginObserver
import jp.kazasu.ffi.SigningFlow
import jp.kazasu.ffi.rememberSignedRequestsIn
import jp.kazasu.signing.http.UrlConnectionHttp

/**
 * The process's start-up, before any screen (a SignActivity the system restores after the process was killed
 * included): the core keeps its memory of filed requests in a file of the app's private storage (not backed up:
 * `allowBackup="false"`), so a request filed before a restart is still refused before the password.
 */
open class KazasuApplication : Application() {
    override fun onCreate() {
        super.onCreate()
        rememberSignedRequestsIn(File(filesDir, "signed-requests").path)
    }

    /** The core's flow for a link, over the platform's HTTP and clock (the Robolectric tests give their own). */
    open fun flowFor(link: String, observer: FlowObserver): SigningFlow = SigningFlow.forLink(link, UrlConnectionHttp(), observer, null)

    /** The core's log-in flow for a `/login` link, as [flowFor]. */
    open fun loginFor(link: String, observer: LoginObserver): LoginFlow = LoginFlow.forLink(link, UrlConnectionHttp(), observer, null)
}
