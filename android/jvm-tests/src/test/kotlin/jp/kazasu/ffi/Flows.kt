package jp.kazasu.ffi

import java.util.Collections

/** Every state a flow delivered, in order (the flow calls its observer on its own threads). */
class Seen : FlowObserver {
    val states: MutableList<FlowState> = Collections.synchronizedList(mutableListOf())

    override fun onState(state: FlowState) {
        states += state
    }
}

/** A flow signing [data], started, accepted, with [pin] typed: waiting for the card. */
fun waitingForCard(
    data: ByteArray,
    pin: ByteArray = softwareCardSignPin().toByteArray(),
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    observer: FlowObserver = Seen(),
): SigningFlow {
    val flow = SigningFlow.forBytes("転入届.txt", data, algorithm, observer, null)
    flow.start()
    flow.accept()
    flow.enterPin(pin)
    return flow
}

/** What the flow signed, or a failed assertion naming the state it is in. */
fun SigningFlow.signed(): SignedDocument =
    (state() as? FlowState.Signed)?.result ?: throw AssertionError("not signed: ${state()}")
