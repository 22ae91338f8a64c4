"""Make the fonts notificatie's letters are printed in: DejaVu Sans (regular, bold, oblique), cut down
to the Latin scripts Dutch schools' pupils' names are written in, without hinting and without OpenType
layout tables (kerning, ligatures).

Why: WeasyPrint subsets every font into every PDF it writes, with fontTools. For the full DejaVu Sans
that takes ~0.15 s per letter (most of it reading its large layout tables); for these cut fonts ~10
ms, which is what lets one process print more than 20 letters a second
(`benchmarks/letters.py`). A glyph outside these ranges falls back to the system's fonts.

    uv run python scripts/letter_fonts.py [/usr/share/fonts/truetype/dejavu]

DejaVu's licence allows changed copies (Bitstream Vera terms: the names must not contain "Bitstream"
or "Vera"; DejaVu's own changes are public domain); it is copied beside the fonts as LICENSE.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

TARGET = Path(__file__).parents[1] / "services/notificatie/src/loket/notificatie/adapters/letters/templates/fonts"
FONTS = {
    "DejaVuSans.ttf": "LetterSans.ttf",
    "DejaVuSans-Bold.ttf": "LetterSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf": "LetterSans-Oblique.ttf",
}
RANGES = [
    (0x20, 0x7E),  # Basic Latin
    (0xA0, 0x24F),  # Latin-1, Latin Extended-A and -B (ş, ğ, ł, ș, ț, …)
    (0x300, 0x36F),  # combining diacritics
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x20AC, 0x20AC),  # €
]


def main(source: Path) -> None:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    unicodes = [code for low, high in RANGES for code in range(low, high + 1)]
    for name, target in FONTS.items():
        font = TTFont(source / name)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        font.save(TARGET / target)
        print(f"{TARGET / target}: {(TARGET / target).stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"))
