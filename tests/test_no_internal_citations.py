"""The shipped text cites public sources, never the internal brief, its folder or its seeds.

Walks the package (code, scenarios, templates, styles, scripts and Markdown),
the README and the docs, and fails on any line that names the brief (the word
"brief", case-insensitive, as a whole word) or one of its files: ``domain.md``,
``shared/brief``, ``shared/seeds``. The failure lists every hit as
``file:line: text``. The English adjective is rephrased, not allowed: the
check has no allow-list.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Kinds of file read in the package (and in docs/).
EXTENSIONS = frozenset({".py", ".toml", ".md", ".html", ".js", ".css"})

#: What names the internal material: the word, the file, the folders.
INTERNAL = re.compile(r"\bbrief\b|domain\.md|shared/brief|shared/seeds", re.IGNORECASE)


def _files() -> list[Path]:
    package = [p for p in sorted((ROOT / "src" / "frontiersim").rglob("*")) if p.is_file() and p.suffix in EXTENSIONS]
    docs = [p for p in sorted((ROOT / "docs").rglob("*")) if p.is_file() and p.suffix in EXTENSIONS]
    return [*package, ROOT / "README.md", *docs]


def _hits(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(ROOT)
    return [
        f"{relative}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if INTERNAL.search(line)
    ]


def test_the_walk_covers_the_package_the_readme_and_the_docs() -> None:
    files = _files()
    names = {str(p.relative_to(ROOT)) for p in files}
    assert "README.md" in names
    assert "docs/sources.md" in names
    assert "src/frontiersim/scenario/sources.py" in names
    assert {p.suffix for p in files} >= {".py", ".toml", ".md", ".html", ".js", ".css"}


def test_the_pattern_catches_the_old_style_and_spares_other_words() -> None:
    for line in (
        "Capability grows with the log of compute (brief s1, 000).",
        "The Brief's history of the lab's revenue.",
        "see ``shared/brief/domain.md`` s3",
        "seeded from shared/seeds/",
        "(``domain.md`` s3, 000)",
        "a brief description",
    ):
        assert INTERNAL.search(line), line
    for line in (
        "briefly",
        "the debrief",
        'Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential" (2026-02-13)',
        "the interviews' history",
    ):
        assert not INTERNAL.search(line), line


def test_no_shipped_text_cites_internal_material() -> None:
    hits = [hit for path in _files() for hit in _hits(path)]
    assert not hits, "internal material cited (cite the public interview instead):\n" + "\n".join(hits)
