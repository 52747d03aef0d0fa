package jp.kazasu.signing.flow

/**
 * The typed signature PIN on the Kotlin side, kept in a CharArray (never a String) and cleared after use.
 *
 * Accepts A–Z and 0–9, upper-cases a–z (the card compares upper-case ASCII; a lower-case PIN would cost a real
 * try) and at most [MAX_LENGTH] characters. Whether the PIN is acceptable is finally decided by the core when
 * the SignPin is built; [isCompleteLength] only enables the button.
 */
class PinInput {
    private val chars = CharArray(MAX_LENGTH)

    var length: Int = 0
        private set

    val isCompleteLength: Boolean get() = length in MIN_LENGTH..MAX_LENGTH

    /** Adds one typed character; returns false (and keeps nothing) if it is not allowed or the PIN is full. */
    fun append(c: Char): Boolean {
        val n = normalise(c) ?: return false
        if (length >= MAX_LENGTH) return false
        chars[length++] = n
        return true
    }

    fun backspace() {
        if (length > 0) chars[--length] = '\u0000'
    }

    /** Replaces the content by [typed] (e.g. from an EditText), filtering as [append] does, then clears [typed]. */
    fun setFrom(typed: CharArray) {
        clear()
        try {
            for (c in typed) append(c)
        } finally {
            typed.fill('\u0000')
        }
    }

    /**
     * Hands the PIN as ASCII bytes to [use] (which builds the SignPin), then clears both the bytes and this input,
     * whether [use] succeeds or throws.
     */
    fun <T> consume(use: (ByteArray) -> T): T {
        val bytes = ByteArray(length)
        try {
            for (i in 0 until length) bytes[i] = chars[i].code.toByte()
            return use(bytes)
        } finally {
            bytes.fill(0)
            clear()
        }
    }

    fun clear() {
        chars.fill('\u0000')
        length = 0
    }

    /** For tests: whether every slot of the buffer is cleared. */
    internal fun isWiped(): Boolean = length == 0 && chars.all { it == '\u0000' }

    override fun toString(): String = "PinInput(<redacted>, length=$length)"

    companion object {
        const val MIN_LENGTH = 6
        const val MAX_LENGTH = 16

        /** The character the card compares, or null if it may not be part of a signature PIN. */
        fun normalise(c: Char): Char? = when (c) {
            in 'A'..'Z', in '0'..'9' -> c
            in 'a'..'z' -> c.uppercaseChar()
            in '\uFF10'..'\uFF19' -> '0' + (c - '\uFF10') // full-width digits from a Japanese IME
            in '\uFF21'..'\uFF3A' -> 'A' + (c - '\uFF21')
            in '\uFF41'..'\uFF5A' -> 'A' + (c - '\uFF41')
            else -> null
        }
    }
}
