package jp.kazasu.app

import java.util.Collections
import jp.kazasu.ffi.FlowObserver
import jp.kazasu.ffi.LoginFlow
import jp.kazasu.ffi.LoginObserver
import jp.kazasu.ffi.SigningFlow

/**
 * The app's own Application with one seam: [flowFor] and [loginFor] record each link a screen opened, unparsed,
 * and make the flow with the test's [make] / [makeLogin] (the fake relying party's HTTP, a test clock, or bytes)
 * — or, without one, exactly as the app does (the platform's HTTP and clock). Everything else is
 * KazasuApplication's.
 */
class TestApp : KazasuApplication() {
    val links: MutableList<String> = Collections.synchronizedList(mutableListOf())
    val flows: MutableList<SigningFlow> = Collections.synchronizedList(mutableListOf())
    val logins: MutableList<LoginFlow> = Collections.synchronizedList(mutableListOf())
    var make: ((String, FlowObserver) -> SigningFlow)? = null
    var makeLogin: ((String, LoginObserver) -> LoginFlow)? = null

    override fun flowFor(link: String, observer: FlowObserver): SigningFlow {
        links += link
        return (make?.invoke(link, observer) ?: super.flowFor(link, observer)).also { flows += it }
    }

    override fun loginFor(link: String, observer: LoginObserver): LoginFlow {
        links += link
        return (makeLogin?.invoke(link, observer) ?: super.loginFor(link, observer)).also { logins += it }
    }

    /** Every flow made so far, closed (the screens only cancel theirs) and forgotten, with the links. */
    fun closeFlows() {
        synchronized(flows) {
            flows.forEach { it.close() }
            flows.clear()
        }
        synchronized(logins) {
            logins.forEach { it.close() }
            logins.clear()
        }
        links.clear()
    }
}
