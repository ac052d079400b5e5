#!/usr/bin/env python3
"""Makes the agreement PDF's bundled font: Noto Sans CJK SC Regular, cut down to the
characters a Chinese or English agreement uses, so that a fresh checkout renders the PDF
without any font installed (domain/assets/fonts/README.md says why and what is kept).

The characters kept: all of GB 2312 (6,763 hanzi and its punctuation and symbols), ASCII,
Latin-1 and Latin Extended-A, general punctuation, currency, letter-like symbols, number
forms, arrows, enclosed numbers, CJK symbols and punctuation, and the full-width forms.
Layout tables (GSUB/GPOS) and vertical metrics are dropped: the document is set
horizontally and needs no substitutions, and they would pull in thousands of glyphs.

Needs fontTools (`pip install fonttools`) and the source font, for example Debian's
fonts-noto-cjk package:

    python3 scripts/subset_agreement_font.py \
        /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc 2 \
        domain/assets/fonts/NotoSansSC-Regular-subset.otf
"""

import subprocess
import sys
import tempfile

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (¥, ·, ×, names with accents)
    (0x0100, 0x017F),  # Latin Extended-A
    (0x2000, 0x206F),  # general punctuation (— “ ” … ‰)
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letter-like symbols (℃, №)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ Ⅲ)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers (① ②)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。《》【】)
    (0xFF00, 0xFFEF),  # full-width forms (，：（）％￥)
]


def characters():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for first, last in RANGES:
        chars.update(chr(c) for c in range(first, last + 1))
    return "".join(sorted(chars))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: subset_agreement_font.py SOURCE FONT_NUMBER OUTPUT")
    source, number, output = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as text:
        text.write(characters())
        text.flush()
        subprocess.run(
            [
                "pyftsubset",
                source,
                f"--font-number={number}",
                f"--text-file={text.name}",
                f"--output-file={output}",
                "--layout-features=",
                "--name-IDs=*",
                "--name-languages=*",
                "--drop-tables+=DSIG,vhea,vmtx,VORG,BASE",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
