"""The bibliography behind the scenario defaults: public documents and how a key cites them.

Every scenario key's ``source`` (see :func:`frontiersim.scenario.fields.spec`)
is one of:

- a :class:`Citation`: one public document (an :class:`Interview`, a
  :class:`Dataset`, an :class:`Announcement` or a :class:`Paper`), with a
  short quote where the document is an interview, an optional locator (a
  timestamp, a row) and a note on how the default is derived from it;
- :class:`Sources`: several citations behind one default, with a note;
- an :class:`Assumption`: a modelling choice with no public figure behind it,
  with a one-line reason;
- a :class:`Setting`: a key that is a choice of the user's (a name, the number
  of draws, a seed), not a claim about the world, so there is nothing to source.

Interview quotes are the words of the machine transcription of the public
recording (which garbles some names); they are kept short and are not
paraphrased. Run ``frontiersim defaults`` to print every key's source, and see
``docs/sources.md`` for the bibliography (checked against :data:`BIBLIOGRAPHY`
by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Longest quote a citation may carry, characters.
MAX_QUOTE_CHARS = 200


@dataclass(frozen=True)
class Interview:
    """A public interview, cited by its programme, title and date.

    Attributes
    ----------
    programme : str
        The show or venue, e.g. ``"Dwarkesh Podcast"``.
    title : str
        The episode's title (or a description when it has none).
    date : str
        Publication date, ``YYYY-MM-DD`` or ``YYYY-MM``.
    speaker : str
        Who is interviewed.
    locator : str
        Where to find it (a video ID or an address), or "".
    titled : bool
        Whether ``title`` is the published title (quoted when cited); False
        when the interview is known by a description only.
    """

    programme: str
    title: str
    date: str
    speaker: str = "Dario Amodei"
    locator: str = ""
    titled: bool = True

    def cite(self) -> str:
        """Short reference: programme, title (quoted when it is the published one) and date."""
        title = f'"{self.title}"' if self.titled else self.title
        return f"{self.programme}, {title} ({self.date})"

    def entry(self) -> str:
        """Bibliography entry: the short reference, the speaker and the locator."""
        where = f"; {self.locator}" if self.locator else ""
        speaker = "" if self.speaker in self.title else f", interview with {self.speaker}"
        return f"{self.cite()}{speaker}{where}"


@dataclass(frozen=True)
class Dataset:
    """A public dataset, cited by its publisher, name, retrieval date and licence.

    Attributes
    ----------
    publisher : str
    name : str
    retrieved : str
        When the copy used was retrieved, ``YYYY-MM-DD`` or ``YYYY-MM``.
    licence : str
    url : str
    """

    publisher: str
    name: str
    retrieved: str
    licence: str
    url: str = ""

    def cite(self) -> str:
        """Short reference: publisher, dataset name, retrieval date and licence."""
        return f'{self.publisher}, "{self.name}" dataset (retrieved {self.retrieved}, {self.licence})'

    def entry(self) -> str:
        """Bibliography entry: the short reference and the address."""
        where = f"; {self.url}" if self.url else ""
        return f"{self.cite()}{where}"


@dataclass(frozen=True)
class Announcement:
    """A public announcement (a press release, a company blog post).

    Attributes
    ----------
    publisher : str
    title : str
    date : str
    url : str
    """

    publisher: str
    title: str
    date: str
    url: str = ""

    def cite(self) -> str:
        """Short reference: publisher, quoted title and date."""
        return f'{self.publisher}, "{self.title}" ({self.date})'

    def entry(self) -> str:
        """Bibliography entry: the short reference and the address."""
        where = f"; {self.url}" if self.url else ""
        return f"{self.cite()}{where}"


@dataclass(frozen=True)
class Paper:
    """A published paper.

    Attributes
    ----------
    authors : str
    title : str
    venue : str
        Journal or preprint server, with volume and pages where known.
    year : int
    """

    authors: str
    title: str
    venue: str
    year: int

    def cite(self) -> str:
        """Short reference: authors, year and quoted title."""
        return f'{self.authors} ({self.year}), "{self.title}"'

    def entry(self) -> str:
        """Bibliography entry: the short reference and the venue."""
        return f"{self.cite()}, {self.venue}"


#: A public document a default can cite.
Document = Interview | Dataset | Announcement | Paper


@dataclass(frozen=True)
class Citation:
    """One public document behind a default.

    Attributes
    ----------
    document : Document
    quote : str
        The document's own words (an interview's transcription, a dataset's
        note), at most :data:`MAX_QUOTE_CHARS` characters; required for an
        interview.
    note : str
        How the default follows from the document (what is derived, what is
        assumed on top).
    locator : str
        Where in the document: a timestamp, a row, a figure; "" if none.

    Raises
    ------
    ValueError
        If an interview is cited without a quote, or a quote is too long: a
        programming error in a declaration.
    """

    document: Document
    quote: str = ""
    note: str = ""
    locator: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.document, Interview) and not self.quote.strip():
            raise ValueError(f"a citation of {self.document.cite()} needs a quote")
        if len(self.quote) > MAX_QUOTE_CHARS:
            raise ValueError(f"quote longer than {MAX_QUOTE_CHARS} characters: {self.quote!r}")

    def render(self) -> str:
        """The citation as text: document, quote, locator, then the note in parentheses.

        Examples
        --------
        >>> Citation(KAMATH_2026, "We release a new model every two or three months.").render()
        'Conversation with Nikhil Kamath, Bengaluru (2026-02): "We release a new model every two or three months."'
        >>> Citation(EPOCH_ML_HARDWARE, note="FLOP/s per dollar").render()
        'Epoch AI, "Machine Learning Hardware" dataset (retrieved 2026-03, CC-BY 4.0): FLOP/s per dollar'
        """
        text = self.document.cite()
        if self.quote:
            text += f': "{self.quote}"'
        if self.locator:
            text += f" (at {self.locator})"
        if self.note:
            text += f" ({self.note})" if self.quote or self.locator else f": {self.note}"
        return text


@dataclass(frozen=True)
class Sources:
    """Several public documents behind one default.

    Attributes
    ----------
    citations : tuple of Citation
        At least one.
    note : str
        How the default follows from them together.
    """

    citations: tuple[Citation, ...]
    note: str = ""

    def __post_init__(self) -> None:
        if not self.citations:
            raise ValueError("Sources needs at least one citation")

    def render(self) -> str:
        """The note, then each citation, separated by semicolons."""
        cited = "; ".join(c.render() for c in self.citations)
        return f"{self.note}: {cited}" if self.note else cited


@dataclass(frozen=True)
class Assumption:
    """A default with no public figure behind it: a modelling choice.

    Attributes
    ----------
    reason : str
        One line: why this value.
    context : tuple of Citation
        Public documents that inform the choice without giving the figure
        (a milestone's name, a qualitative claim); the key still counts as
        an assumption.
    """

    reason: str
    context: tuple[Citation, ...] = ()

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("an assumption needs a reason")

    def render(self) -> str:
        """``"assumption: <reason>"``, then the context's citations after ``" | context: "``.

        Examples
        --------
        >>> Assumption("no public figure for the month-to-month noise of revenue").render()
        'assumption: no public figure for the month-to-month noise of revenue'
        """
        text = f"assumption: {self.reason}"
        if self.context:
            text += " | context: " + "; ".join(c.render() for c in self.context)
        return text


@dataclass(frozen=True)
class Setting:
    """A key that is the user's choice (a name, the number of draws), not a figure about the world.

    Attributes
    ----------
    reason : str
        One line: what the setting is for.
    """

    reason: str

    def render(self) -> str:
        """``"setting: <reason>"``."""
        return f"setting: {self.reason}"


#: What a key's ``source`` may be.
KeySource = Citation | Sources | Assumption | Setting


#: What a key's source amounts to: a public document, an assumption, or a setting with nothing to source.
Status = Literal["public", "assumption", "setting"]


def status(reference: KeySource | None, text: str = "") -> Status:
    """Whether a key's default has a public source, is an assumption, or is a setting.

    Parameters
    ----------
    reference : KeySource or None
        The key's structured source (``FieldSpec.reference``).
    text : str
        The key's source as text, used when ``reference`` is None (a key
        declared with a plain string by a component outside the schema):
        such a key is public only if the text names something and does not
        start with ``"assumption"``.

    Returns
    -------
    {"public", "assumption", "setting"}

    Examples
    --------
    >>> status(Assumption("a modelling choice"))
    'assumption'
    >>> status(None, "assumption")
    'assumption'
    """
    if isinstance(reference, Citation | Sources):
        return "public"
    if isinstance(reference, Setting):
        return "setting"
    if isinstance(reference, Assumption):
        return "assumption"
    stripped = text.strip().lower()
    return "assumption" if not stripped or stripped.startswith("assumption") else "public"


def citations(source: KeySource | None) -> tuple[Citation, ...]:
    """Every citation in a key's source, the context of an assumption included, in order."""
    if isinstance(source, Citation):
        return (source,)
    if isinstance(source, Sources):
        return source.citations
    if isinstance(source, Assumption):
        return source.context
    return ()


# --- The bibliography -------------------------------------------------------------------------------

#: Dwarkesh Podcast, February 2026: the revenue curve, buying compute, the 50/50 toy, each model a company.
DWARKESH_2026 = Interview(
    "Dwarkesh Podcast",
    "Dario Amodei: We are near the end of the exponential",
    "2026-02-13",
    locator="YouTube n1E9IZfvGMA",
)

#: Cheeky Pint, August 2025: each model as a company, the value of a tier, market structure.
CHEEKY_PINT_2025 = Interview(
    "Cheeky Pint with John Collison",
    "Anthropic CEO Dario Amodei on designing AGI-pilled products, model economics, and 19th-century vitalism",
    "2025-08-06",
    locator="cheekypint.substack.com",
)

#: World Economic Forum, January 2026: the capability overhang, enterprise against consumer demand.
DAVOS_2026 = Interview("World Economic Forum, Davos", "news interview with Dario Amodei", "2026-01", titled=False)

#: Conversation with Nikhil Kamath, February 2026: release cadence, funding, revenue.
KAMATH_2026 = Interview("Conversation with Nikhil Kamath", "Bengaluru", "2026-02", titled=False)

#: Lex Fridman Podcast #452, November 2024: training-run costs, headcount (the transcript has timestamps).
LEX_FRIDMAN_2024 = Interview("Lex Fridman Podcast #452", "episode with Dario Amodei", "2024-11", titled=False)

_EPOCH = "Epoch AI"
_EPOCH_LICENCE = "CC-BY 4.0"

#: Epoch AI Notable AI Models (shipped, trimmed, in ``frontiersim/data/epoch``).
EPOCH_NOTABLE_MODELS = Dataset(_EPOCH, "Notable AI Models", "2026-05-02", _EPOCH_LICENCE, "https://epoch.ai/data")

#: Epoch AI revenue reports of AI companies (shipped in ``frontiersim/data/epoch``).
EPOCH_REVENUE_REPORTS = Dataset(
    _EPOCH, "AI Companies: revenue reports (annualised)", "2025-12", _EPOCH_LICENCE, "https://epoch.ai/data"
)

#: Epoch AI compute spend of AI companies (R&D and inference).
EPOCH_COMPUTE_SPEND = Dataset(
    _EPOCH, "AI Companies: compute spend (R&D and inference)", "2025-12", _EPOCH_LICENCE, "https://epoch.ai/data"
)

#: Epoch AI Machine Learning Hardware (FLOP/s and prices of accelerators).
EPOCH_ML_HARDWARE = Dataset(_EPOCH, "Machine Learning Hardware", "2026-03", _EPOCH_LICENCE, "https://epoch.ai/data")

#: Ho et al. (2024), Epoch AI's estimate of algorithmic progress in language models.
HO_2024 = Paper(
    "Ho, Besiroglu, Erdil, Owen, Rahman, Guo, Atkinson, Thompson and Sevilla",
    "Algorithmic progress in language models",
    "arXiv:2403.05812",
    2024,
)

#: Sultan, Farley and Lehmann (1990), the meta-analysis of Bass diffusion coefficients.
SULTAN_1990 = Paper(
    "Sultan, Farley and Lehmann",
    "A Meta-Analysis of Applications of Diffusion Models",
    "Journal of Marketing Research 27(1), 70-77",
    1990,
)

#: Every document the defaults may cite, by a short name (``docs/sources.md`` lists them).
BIBLIOGRAPHY: dict[str, Document] = {
    "dwarkesh_2026": DWARKESH_2026,
    "cheeky_pint_2025": CHEEKY_PINT_2025,
    "davos_2026": DAVOS_2026,
    "kamath_2026": KAMATH_2026,
    "lex_fridman_2024": LEX_FRIDMAN_2024,
    "epoch_notable_models": EPOCH_NOTABLE_MODELS,
    "epoch_revenue_reports": EPOCH_REVENUE_REPORTS,
    "epoch_compute_spend": EPOCH_COMPUTE_SPEND,
    "epoch_ml_hardware": EPOCH_ML_HARDWARE,
    "ho_2024": HO_2024,
    "sultan_1990": SULTAN_1990,
}


def bibliography_markdown() -> str:
    """The bibliography as the Markdown tables of ``docs/sources.md`` (a test keeps the two equal).

    Returns
    -------
    str
        One table per kind of document, each row a short name and its entry.
    """
    kinds: list[tuple[str, type]] = [
        ("Interviews", Interview),
        ("Datasets", Dataset),
        ("Announcements", Announcement),
        ("Papers", Paper),
    ]
    blocks = []
    for heading, kind in kinds:
        rows = [(name, doc) for name, doc in BIBLIOGRAPHY.items() if isinstance(doc, kind)]
        if not rows:
            continue
        lines = [f"### {heading}", "", "| name | document |", "|---|---|"]
        lines += [f"| `{name}` | {doc.entry()} |" for name, doc in rows]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
