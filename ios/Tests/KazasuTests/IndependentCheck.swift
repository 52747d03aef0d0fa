import Foundation

/// An RSA PKCS#1 v1.5 / SHA-256 signature check written from the standards (RFC 8017 §8.2.2, FIPS 180-4,
/// X.509's SubjectPublicKeyInfo), sharing no code with the Rust core or OpenSSL: the tests use it to prove the
/// bytes the flow returns are a real signature over the shown bytes, made with the returned certificate's key.
/// Slow and simple on purpose (test-only).
enum IndependentCheck {
    // MARK: SHA-256 (FIPS 180-4)

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func sha256(_ message: Data) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var bytes = [UInt8](message)
        let bitLength = UInt64(bytes.count) * 8
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        for i in (0..<8).reversed() { bytes.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: bytes.count, by: 64) {
            for t in 0..<16 {
                let b = chunk + t * 4
                w[t] = UInt32(bytes[b]) << 24 | UInt32(bytes[b + 1]) << 16 | UInt32(bytes[b + 2]) << 8 | UInt32(bytes[b + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for t in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }
        return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
    }

    // MARK: DER, just enough to reach the RSA key of a certificate

    struct DER {
        let bytes: [UInt8]
        var pos = 0

        /// Reads one TLV; returns (tag, content range).
        mutating func next() -> (tag: UInt8, content: Range<Int>)? {
            guard pos + 2 <= bytes.count else { return nil }
            let tag = bytes[pos]
            var len = Int(bytes[pos + 1])
            var at = pos + 2
            if len & 0x80 != 0 {
                let n = len & 0x7f
                guard n >= 1, n <= 3, at + n <= bytes.count else { return nil }
                len = bytes[at..<at + n].reduce(0) { $0 << 8 | Int($1) }
                at += n
            }
            guard at + len <= bytes.count else { return nil }
            pos = at + len
            return (tag, at..<at + len)
        }

        func inside(_ r: Range<Int>) -> DER { DER(bytes: Array(bytes[r])) }
    }

    /// (modulus, public exponent), big-endian, from a DER X.509 certificate.
    static func rsaKey(ofCertificate der: Data) -> (n: [UInt8], e: [UInt8])? {
        var cert = DER(bytes: [UInt8](der))
        guard let c = cert.next(), c.tag == 0x30 else { return nil }
        var certSeq = cert.inside(c.content)
        guard let tbs = certSeq.next(), tbs.tag == 0x30 else { return nil }
        var t = certSeq.inside(tbs.content)
        var field = t.next()
        if field?.tag == 0xA0 { field = t.next() }  // [0] version
        // serial (field), signature, issuer, validity, subject, then subjectPublicKeyInfo
        for _ in 0..<4 { _ = t.next() }
        guard let spki = t.next(), spki.tag == 0x30 else { return nil }
        var s = t.inside(spki.content)
        guard let alg = s.next(), alg.tag == 0x30, let bits = s.next(), bits.tag == 0x03 else { return nil }
        // rsaEncryption OID 1.2.840.113549.1.1.1
        let rsaOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        guard Array(s.bytes[alg.content].prefix(rsaOID.count)) == rsaOID else { return nil }
        var key = s.inside(bits.content.dropFirst())  // skip the unused-bits byte
        guard let rsa = key.next(), rsa.tag == 0x30 else { return nil }
        var k = key.inside(rsa.content)
        guard let n = k.next(), n.tag == 0x02, let e = k.next(), e.tag == 0x02 else { return nil }
        let strip = { (r: Range<Int>) -> [UInt8] in Array(k.bytes[r].drop(while: { $0 == 0 })) }
        return (strip(n.content), strip(e.content))
    }

    // MARK: Big unsigned integers (little-endian 32-bit limbs), schoolbook

    typealias Big = [UInt32]

    static func big(_ bytes: [UInt8]) -> Big {
        var out = Big(repeating: 0, count: (bytes.count + 3) / 4)
        for (i, b) in bytes.reversed().enumerated() { out[i / 4] |= UInt32(b) << (8 * UInt32(i % 4)) }
        return trimmed(out)
    }

    static func bytes(_ x: Big, count: Int) -> [UInt8] {
        (0..<count).reversed().map { i in
            let limb = i / 4
            return limb < x.count ? UInt8(truncatingIfNeeded: x[limb] >> (8 * UInt32(i % 4))) : 0
        }
    }

    static func trimmed(_ x: Big) -> Big {
        var x = x
        while let last = x.last, last == 0 { x.removeLast() }
        return x
    }

    static func compare(_ a: Big, _ b: Big) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in (0..<a.count).reversed() where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    static func multiply(_ a: Big, _ b: Big) -> Big {
        var out = Big(repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            for j in 0..<b.count {
                let t = UInt64(a[i]) * UInt64(b[j]) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            out[i + b.count] = UInt32(carry)
        }
        return trimmed(out)
    }

    /// x mod m, bit by bit (shift in, subtract when ≥ m).
    static func mod(_ x: Big, _ m: Big) -> Big {
        var r: Big = []
        for i in (0..<(x.count * 32)).reversed() {
            // r = r << 1 | bit
            var carry: UInt32 = (x[i / 32] >> UInt32(i % 32)) & 1
            for j in 0..<r.count {
                let next = r[j] >> 31
                r[j] = r[j] << 1 | carry
                carry = next
            }
            if carry != 0 { r.append(carry) }
            if compare(r, m) >= 0 {
                var borrow: Int64 = 0
                for j in 0..<r.count {
                    var d = Int64(r[j]) - Int64(j < m.count ? m[j] : 0) - borrow
                    borrow = d < 0 ? 1 : 0
                    if d < 0 { d += 1 << 32 }
                    r[j] = UInt32(d)
                }
                r = trimmed(r)
            }
        }
        return r
    }

    static func modPow(_ base: Big, _ exponent: [UInt8], _ m: Big) -> Big {
        var result: Big = [1]
        let b = mod(base, m)
        for byte in exponent {
            for bit in (0..<8).reversed() {
                result = mod(multiply(result, result), m)
                if (byte >> UInt8(bit)) & 1 == 1 { result = mod(multiply(result, b), m) }
            }
        }
        return result
    }

    // MARK: RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2, §9.2)

    static let sha256DigestInfoPrefix: [UInt8] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ]

    static func verifySHA256(certificate: Data, data: Data, signature: Data) -> Bool {
        guard let key = rsaKey(ofCertificate: certificate) else { return false }
        let k = key.n.count
        guard signature.count == k, k >= 64 else { return false }
        let n = big(key.n)
        let s = big([UInt8](signature))
        guard compare(s, n) < 0 else { return false }
        let em = bytes(modPow(s, key.e, n), count: k)
        let t = sha256DigestInfoPrefix + sha256(data)
        let expected: [UInt8] = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: k - t.count - 3) + [0x00] + t
        return em == expected
    }
}
