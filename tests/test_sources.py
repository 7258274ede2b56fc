"""Every default names a public source, or says it is an assumption (or a setting) and why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from frontiersim.cli.main import main
from frontiersim.cli.run_command import sources_summary
from frontiersim.scenario.fields import FieldSpec, key_specs, spec
from frontiersim.scenario.schema import MILESTONE_LADDER
from frontiersim.scenario.sources import (
    BIBLIOGRAPHY,
    DWARKESH_2026,
    EPOCH_ML_HARDWARE,
    MAX_QUOTE_CHARS,
    Assumption,
    Citation,
    Interview,
    Setting,
    Sources,
    bibliography_markdown,
    citations,
    status,
)

ROOT = Path(__file__).resolve().parents[1]

#: Words that point at material that does not ship: the internal brief, the shared folder, transcript files.
FORBIDDEN = re.compile(r"brief|shared/|seeds/|\b00[0-4]_[0-9a-f]{16}\.txt|\(00[0-4]\)|\b00[0-4], 00[0-4]\b", re.I)

KEYS = key_specs()


def _status(key: FieldSpec) -> str:
    return status(key.reference, key.source)


@pytest.mark.parametrize("path", list(KEYS))
def test_every_key_has_a_structured_source(path: str) -> None:
    key = KEYS[path]
    assert isinstance(key.reference, Citation | Sources | Assumption | Setting), path
    assert key.source == key.reference.render()


@pytest.mark.parametrize("path", list(KEYS))
def test_every_citation_is_of_a_document_of_the_bibliography(path: str) -> None:
    known = list(BIBLIOGRAPHY.values())
    for citation in citations(KEYS[path].reference):
        assert citation.document in known, (path, citation.document)


@pytest.mark.parametrize("path", list(KEYS))
def test_interview_citations_carry_a_short_quote(path: str) -> None:
    for citation in citations(KEYS[path].reference):
        if isinstance(citation.document, Interview):
            assert citation.quote.strip(), path
            assert len(citation.quote) <= MAX_QUOTE_CHARS, path


@pytest.mark.parametrize("path", list(KEYS))
def test_no_source_mentions_the_brief_or_a_transcript_file(path: str) -> None:
    assert not FORBIDDEN.search(KEYS[path].source), (path, KEYS[path].source)


def test_a_source_that_mentions_the_brief_fails_the_check() -> None:
    """The check above catches the old style of source."""
    assert FORBIDDEN.search("brief s3 (000): ~$9-10B annualised at end 2025")
    assert FORBIDDEN.search("see shared/brief/domain.md")
    assert FORBIDDEN.search("transcript 000_c13848b379180b5f.txt")
    assert not FORBIDDEN.search(DWARKESH_2026.cite())


def test_assumptions_and_settings_give_a_reason() -> None:
    for path, key in KEYS.items():
        reference = key.reference
        if isinstance(reference, Assumption | Setting):
            assert len(reference.reason.strip()) > 10, path


def test_a_citation_of_an_interview_without_a_quote_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a quote"):
        Citation(DWARKESH_2026)
    with pytest.raises(ValueError, match="longer than"):
        Citation(DWARKESH_2026, "x" * (MAX_QUOTE_CHARS + 1))
    with pytest.raises(ValueError, match="needs a reason"):
        Assumption(" ")
    with pytest.raises(ValueError, match="at least one"):
        Sources(())
    assert Citation(EPOCH_ML_HARDWARE, note="a dataset needs no quote").render().endswith("a dataset needs no quote")


def test_spec_keeps_plain_string_sources() -> None:
    """Components outside the schema may still declare a key with a plain string."""
    declared = spec(1.0, "float", "A figure.", "assumption")
    key = declared.metadata["spec"]
    assert key.source == "assumption"
    assert key.reference is None
    assert _status(key) == "assumption"
    cited = spec(1.0, "float", "A figure.", Assumption("a reason given here")).metadata["spec"]
    assert cited.source == "assumption: a reason given here"
    assert cited.reference == Assumption("a reason given here")


def test_the_milestone_ladder_cites_the_interview_for_its_names() -> None:
    for name, (_, source) in MILESTONE_LADDER.items():
        assert any(c.document is DWARKESH_2026 for c in citations(source)), name


def test_status_counts_add_up() -> None:
    counts = {kind: sum(_status(key) == kind for key in KEYS.values()) for kind in ("public", "assumption", "setting")}
    assert sum(counts.values()) == len(KEYS)
    assert counts["public"] > 0
    assert counts["assumption"] > 0


def _assumption_paths() -> list[str]:
    return [path for path, key in KEYS.items() if _status(key) == "assumption"]


def test_defaults_prints_the_count_of_assumptions_and_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defaults"]) == 0
    out = capsys.readouterr().out
    assumptions = _assumption_paths()
    public = sum(_status(key) == "public" for key in KEYS.values())
    match = re.search(
        r"^(\d+) of (\d+) keys have a public source; (\d+) are settings .*; (\d+) are assumptions:$", out, re.M
    )
    assert match, out[-2000:]
    assert [int(g) for g in match.groups()] == [
        public,
        len(KEYS),
        sum(_status(key) == "setting" for key in KEYS.values()),
        len(assumptions),
    ]
    listed = [line.split(":", 1)[0].strip() for line in out[match.end() :].splitlines() if line.startswith("  ")]
    assert listed == assumptions
    assert "source: " in out
    assert "brief" not in out.lower()


def test_defaults_unsourced_lists_only_the_assumptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defaults", "--unsourced"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].endswith(f"{len(_assumption_paths())} are assumptions:")
    assert [line.split(":", 1)[0].strip() for line in lines[1:]] == _assumption_paths()
    assert all(line.startswith("  ") and ": assumption: " in line for line in lines[1:])
    assert out.strip() == sources_summary(unsourced_only=True)


def test_docs_bibliography_matches_the_module() -> None:
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    begin, end = "<!-- bibliography: begin -->\n", "<!-- bibliography: end -->"
    assert text.split(begin, 1)[1].split(end, 1)[0] == bibliography_markdown()
    for document in BIBLIOGRAPHY.values():
        assert document.cite() in text


@pytest.mark.parametrize(
    "relative",
    [
        "README.md",
        *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md"))),
        *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "src/frontiersim/scenarios").glob("*.toml"))),
        "src/frontiersim/examples.py",
        "src/frontiersim/scenario/schema.py",
        "src/frontiersim/scenario/fields.py",
        "src/frontiersim/scenario/sources.py",
        *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "src/frontiersim/cli").glob("*.py"))),
    ],
)
def test_shipped_text_cites_no_internal_file(relative: str) -> None:
    """The README, docs, scenarios, worked examples and CLI cite public documents, not the internal brief."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    text = text.replace("briefly", "")  # the English word, not the brief
    hits = [line for line in text.splitlines() if re.search(r"\bbrief\b|shared/", line, re.I)]
    assert not hits, hits
