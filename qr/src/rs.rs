//! Reed-Solomon error correction over GF(256) as QR codes use it (field polynomial
//! x^8+x^4+x^3+x^2+1, generator roots alpha^0 .. alpha^(n-1)).
//!
//! Log/antilog tables are built at compile time, so a clean block costs one syndrome
//! pass (rqrr 0.11 recomputes alpha^k by square-and-multiply for every term, ~0.5 ms
//! for a version-5 code; this is a few microseconds).

const fn tables() -> ([u8; 512], [u8; 256]) {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    while i < 512 {
        exp[i] = exp[i - 255];
        i += 1;
    }
    (exp, log)
}

const TABLES: ([u8; 512], [u8; 256]) = tables();
const EXP: [u8; 512] = TABLES.0;
const LOG: [u8; 256] = TABLES.1;

#[inline]
fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        EXP[LOG[a as usize] as usize + LOG[b as usize] as usize]
    }
}

#[inline]
fn div(a: u8, b: u8) -> u8 {
    // b != 0 is the caller's duty
    if a == 0 {
        0
    } else {
        EXP[LOG[a as usize] as usize + 255 - LOG[b as usize] as usize]
    }
}

/// alpha^e
#[inline]
fn alpha(e: usize) -> u8 {
    EXP[e % 255]
}

/// Evaluate a polynomial given lowest-degree-first at `x`.
fn eval_low_first(p: &[u8], x: u8) -> u8 {
    let mut r = 0u8;
    for &c in p.iter().rev() {
        r = mul(r, x) ^ c;
    }
    r
}

/// Correct `block` (data then `nsym` check bytes) in place. Returns the number of
/// corrected bytes, or `None` if the block has more errors than it can fix.
pub fn correct(block: &mut [u8], nsym: usize) -> Option<usize> {
    let n = block.len();
    if nsym == 0 || nsym >= n || n > 255 {
        return None;
    }
    // Syndromes S_j = r(alpha^j), r's first byte being the highest degree.
    let mut s = vec![0u8; nsym];
    let mut clean = true;
    for (j, sj) in s.iter_mut().enumerate() {
        let x = alpha(j);
        let mut acc = 0u8;
        for &c in block.iter() {
            acc = mul(acc, x) ^ c;
        }
        *sj = acc;
        clean &= acc == 0;
    }
    if clean {
        return Some(0);
    }
    // Berlekamp-Massey: error locator lambda (lowest degree first, lambda[0] = 1).
    let mut lambda = vec![0u8; nsym + 1];
    let mut prev = vec![0u8; nsym + 1];
    lambda[0] = 1;
    prev[0] = 1;
    let mut l = 0usize;
    let mut m = 1usize;
    let mut b = 1u8;
    for k in 0..nsym {
        let mut d = s[k];
        for i in 1..=l {
            d ^= mul(lambda[i], s[k - i]);
        }
        if d == 0 {
            m += 1;
            continue;
        }
        let coef = div(d, b);
        let t = lambda.clone();
        for i in 0..=nsym - m {
            lambda[i + m] ^= mul(coef, prev[i]);
        }
        if 2 * l <= k {
            l = k + 1 - l;
            prev = t;
            b = d;
            m = 1;
        } else {
            m += 1;
        }
    }
    if l == 0 || 2 * l > nsym {
        return None;
    }
    // Omega = S * lambda mod x^nsym (lowest degree first).
    let mut omega = vec![0u8; nsym];
    for i in 0..nsym {
        let mut acc = 0u8;
        for j in 0..=i.min(l) {
            acc ^= mul(lambda[j], s[i - j]);
        }
        omega[i] = acc;
    }
    // Chien search over byte positions; Forney for magnitudes (first root b = 0).
    let mut found = 0usize;
    for idx in 0..n {
        let p = n - 1 - idx; // degree of this byte
        let xinv = alpha(255 - p % 255);
        if eval_low_first(&lambda[..=l], xinv) != 0 {
            continue;
        }
        // formal derivative: odd terms
        let mut dl = 0u8;
        let mut xp = 1u8; // xinv^(k-1) for k odd, stepping by xinv^2
        let x2 = mul(xinv, xinv);
        let mut k = 1;
        while k <= l {
            dl ^= mul(lambda[k], xp);
            xp = mul(xp, x2);
            k += 2;
        }
        if dl == 0 {
            return None;
        }
        let om = eval_low_first(&omega, xinv);
        let x = alpha(p);
        let e = mul(x, div(om, dl));
        block[idx] ^= e;
        found += 1;
    }
    if found != l {
        return None;
    }
    // verify
    for j in 0..nsym {
        let x = alpha(j);
        let mut acc = 0u8;
        for &c in block.iter() {
            acc = mul(acc, x) ^ c;
        }
        if acc != 0 {
            return None;
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check bytes for `data` by polynomial division by the generator (as an encoder does).
    fn encode(data: &[u8], nsym: usize) -> Vec<u8> {
        let mut g = vec![1u8];
        for i in 0..nsym {
            let mut ng = vec![0u8; g.len() + 1];
            for (j, &c) in g.iter().enumerate() {
                ng[j] ^= c;
                ng[j + 1] ^= mul(c, alpha(i));
            }
            g = ng;
        }
        let mut rem = data.to_vec();
        rem.resize(data.len() + nsym, 0);
        for i in 0..data.len() {
            let c = rem[i];
            if c != 0 {
                for (j, &gc) in g.iter().enumerate() {
                    rem[i + j] ^= mul(gc, c);
                }
            }
        }
        let mut out = data.to_vec();
        out.extend_from_slice(&rem[data.len()..]);
        out
    }

    #[test]
    fn matches_the_qrcode_crate_and_corrects_up_to_half_the_check_bytes() {
        let data: Vec<u8> = (0..40u32).map(|i| (i * 37 + 11) as u8).collect();
        let nsym = 18;
        let cw = encode(&data, nsym);
        assert_eq!(&cw[data.len()..], &qrcode::ec::create_error_correction_code(&data, nsym)[..]);
        for errs in 0..=nsym / 2 {
            let mut r = cw.clone();
            for e in 0..errs {
                let n = r.len();
                r[(e * 7 + 3) % n] ^= (e as u8).wrapping_mul(29) | 1;
            }
            assert_eq!(correct(&mut r, nsym), Some(errs), "{errs} errors");
            assert_eq!(r, cw);
        }
        let mut r = cw.clone();
        for e in 0..nsym / 2 + 2 {
            r[e * 3] ^= 0x5A;
        }
        // beyond capacity: must not claim success with wrong data
        if correct(&mut r, nsym).is_some() {
            assert_eq!(r, cw);
        }
    }
}
