#!/usr/bin/env python3
"""ZXing-C++ (PyPI `zxing-cpp`), the reference decoder of the side-by-side QR benchmark.

Reads the luma buffers that `qrcompare --dump DIR` wrote (DIR/index.tsv: set, name, width,
height, file of raw 8-bit luma), decodes each with ZXing-C++ (QR only, its default effort:
rotate, downscale, invert), and writes DIR/zxing-cpp.tsv: set, name, best-of-N thread CPU
time in ms, the text as hex ("-" when nothing was read), and the texts of every QR code
ZXing-C++ finds in the photo (`read_barcodes`, untimed), as hex joined by commas ("-" for
none). qrcompare reads that file back and prints ZXing-C++ in the same table as the Rust
decoders, so all four see the same pixels; the last column tells it which photos hold
more than one code.

usage: zxing_cpp.py DIR [REPS]
"""

import sys
import time
from importlib.metadata import version

import numpy as np
import zxingcpp


def decode_ms(img, reps):
    best = None
    text = None
    for _ in range(reps):
        t = time.thread_time_ns()
        r = zxingcpp.read_barcode(img, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain)
        dt = (time.thread_time_ns() - t) / 1e6
        best = dt if best is None else min(best, dt)
        text = r.text if r is not None and r.valid else None
    return text, best


def hexed(text):
    return "-" if text is None else text.encode("utf-8", "surrogatepass").hex()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rows = []
    with open(f"{out_dir}/index.tsv", encoding="utf-8") as f:
        for line in f:
            set_name, name, w, h, path = line.rstrip("\n").split("\t")
            raw = np.fromfile(f"{out_dir}/{path}", dtype=np.uint8)
            img = raw.reshape(int(h), int(w))
            text, ms = decode_ms(img, reps)
            every = [
                b.text
                for b in zxingcpp.read_barcodes(
                    img, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain
                )
                if b.valid
            ]
            rows.append(f"{set_name}\t{name}\t{ms:.4f}\t{hexed(text)}\t{','.join(map(hexed, every)) or '-'}\n")
    with open(f"{out_dir}/zxing-cpp.tsv", "w", encoding="utf-8") as f:
        f.writelines(rows)
    print(f"zxing-cpp {version('zxing-cpp')}: {len(rows)} frames decoded")


if __name__ == "__main__":
    main()
