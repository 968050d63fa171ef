"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo) with Babel.

Babel is pure Python, so a fresh clone needs no system gettext to run; `make messages`
(which extracts strings with Django's makemessages) does need GNU gettext.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        print(f"compiled {mo_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
