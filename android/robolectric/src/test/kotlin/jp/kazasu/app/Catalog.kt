package jp.kazasu.app

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/**
 * The words the screens must show, read straight from the app's strings.xml of one language (values-ja/ or the
 * English values/), not through Android's resources: a screen in the wrong language, or a resource Robolectric
 * did not resolve, does not match.
 */
class Catalog private constructor(private val words: Map<String, String>) {
    operator fun get(key: String): String = words[key] ?: error("no string $key in the catalog")

    fun format(key: String, vararg args: Any): String = String.format(get(key), *args)

    companion object {
        private val res = File(System.getProperty("kazasu.res") ?: error("-Dkazasu.res is not set (robolectric/pom.xml)"))
        private val cache = mutableMapOf<String, Catalog>()

        /** "ja" or "en". */
        fun of(language: String): Catalog = cache.getOrPut(language) {
            val dir = if (language == "en") "values" else "values-$language"
            val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(File(res, "$dir/strings.xml"))
            val nodes = doc.getElementsByTagName("string")
            Catalog((0 until nodes.length).associate { i ->
                val e = nodes.item(i) as org.w3c.dom.Element
                e.getAttribute("name") to unescape(e.textContent)
            })
        }

        /** What aapt makes of a string resource's escapes. */
        private fun unescape(s: String): String {
            val out = StringBuilder()
            var i = 0
            while (i < s.length) {
                val c = s[i]
                if (c == '\\' && i + 1 < s.length) {
                    out.append(
                        when (val n = s[i + 1]) {
                            'n' -> '\n'
                            't' -> '\t'
                            else -> n
                        },
                    )
                    i += 2
                } else {
                    out.append(c)
                    i++
                }
            }
            return out.toString()
        }
    }
}
