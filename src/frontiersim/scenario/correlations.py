r"""``[correlations]``: Spearman rank correlations between uncertain keys.

A scenario may say that two uncertain keys move together::

    [correlations]
    "demand.growth_per_year ~ compute.cost_usd_per_gw_year" = -0.4

Each entry is a Spearman rank correlation in [-1, 1] between two keys given
as distributions. Keys not named keep their independent draws, bit for bit;
the named ones are sampled with a Gaussian copula
(:func:`frontiersim.draws.sample_draws`), which keeps every key's own
distribution exactly. The copula correlates standard normals with Pearson
correlation

.. math:: \rho = 2 \sin(\pi r_s / 6),

the value whose rank correlation is the requested :math:`r_s` (Kruskal 1958
[1]_). The matrix of the requested correlations, and the matrix of the
:math:`\rho`, must be positive semi-definite (a set of correlations that no
joint distribution can have is an error); when they are not, the error gives
the nearest valid correlations, found by Higham's alternating projections [2]_.

References
----------
.. [1] Kruskal, W. H. (1958). Ordinal measures of association. *Journal of
   the American Statistical Association* 53(284), 814-861.
.. [2] Higham, N. J. (2002). Computing the nearest correlation matrix - a
   problem from finance. *IMA Journal of Numerical Analysis* 22(3), 329-343.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.scenario.errors import Problem, bad_value, did_you_mean

FloatArray = NDArray[np.float64]

#: The TOML table of the rank correlations.
SECTION = "correlations"

#: Separator of the two keys of a pair, as in ``"a ~ b"``.
SEPARATOR = "~"

#: Smallest eigenvalue accepted as zero in a correlation matrix (rounding of the input).
EIGENVALUE_TOLERANCE = 1e-10

#: One correlation: the two key paths and the Spearman rank correlation.
Pair = tuple[str, str, float]


def normal_correlation(spearman: float | FloatArray) -> float | FloatArray:
    r"""Pearson correlation of two standard normals whose rank correlation is ``spearman``.

    :math:`\rho = 2 \sin(\pi r_s / 6)` (Kruskal 1958; see the module notes).

    Examples
    --------
    >>> round(float(normal_correlation(0.5)), 6)
    0.517638
    >>> round(float(normal_correlation(1.0)), 12)
    1.0
    """
    rho = 2.0 * np.sin(np.pi * np.asarray(spearman, dtype=float) / 6.0)
    return float(rho) if np.ndim(spearman) == 0 else rho


def spearman_correlation(rho: float | FloatArray) -> float | FloatArray:
    r"""Inverse of :func:`normal_correlation`: :math:`r_s = (6/\pi) \arcsin(\rho / 2)`."""
    r_s = 6.0 / np.pi * np.arcsin(np.clip(np.asarray(rho, dtype=float), -1.0, 1.0) / 2.0)
    return float(r_s) if np.ndim(rho) == 0 else r_s


def correlation_matrix(pairs: Iterable[Pair], keys: Sequence[str]) -> FloatArray:
    """The symmetric matrix of ``pairs`` over ``keys`` (1 on the diagonal, 0 where no pair is given)."""
    index = {key: k for k, key in enumerate(keys)}
    matrix = np.eye(len(keys))
    for first, second, value in pairs:
        matrix[index[first], index[second]] = matrix[index[second], index[first]] = value
    return matrix


def smallest_eigenvalue(matrix: FloatArray) -> float:
    """The smallest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(matrix)[0])


def is_valid_correlation(spearman: FloatArray) -> bool:
    """Whether rank correlations ``spearman`` and their normal correlations are both positive semi-definite."""
    normal = np.asarray(normal_correlation(spearman))
    return min(smallest_eigenvalue(spearman), smallest_eigenvalue(normal)) >= -EIGENVALUE_TOLERANCE


def nearest_correlation(
    matrix: FloatArray, *, floor: float = 0.0, tolerance: float = 1e-12, max_iterations: int = 10_000
) -> FloatArray:
    r"""The nearest correlation matrix to a symmetric ``matrix`` in the Frobenius norm.

    Higham's alternating projections with Dykstra's correction [1]_:
    project onto the positive semi-definite matrices (eigenvalues below
    ``floor`` raised to it), then onto the matrices with a unit diagonal,
    until the two projections agree.

    Parameters
    ----------
    matrix : ndarray, shape (m, m)
        Symmetric, with a unit diagonal.
    floor : float
        Least eigenvalue of the result's positive semi-definite projection;
        a small positive floor keeps the result valid after rounding.
    tolerance : float
        Stop when the projections differ by less than this (Frobenius norm).
    max_iterations : int

    Returns
    -------
    ndarray, shape (m, m)

    References
    ----------
    .. [1] Higham, N. J. (2002). Computing the nearest correlation matrix - a
       problem from finance. *IMA Journal of Numerical Analysis* 22(3),
       329-343, algorithm 3.3.

    Examples
    --------
    >>> bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    >>> fixed = nearest_correlation(bad)
    >>> bool(np.linalg.eigvalsh(fixed)[0] > -1e-9), np.allclose(np.diag(fixed), 1.0)
    (True, True)
    """
    unit_diagonal = np.asarray(matrix, dtype=float).copy()
    correction = np.zeros_like(unit_diagonal)
    for _ in range(max_iterations):
        shifted = unit_diagonal - correction
        eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (shifted + shifted.T))
        semi_definite = (eigenvectors * np.maximum(eigenvalues, floor)) @ eigenvectors.T
        correction = semi_definite - shifted
        previous = unit_diagonal
        unit_diagonal = semi_definite.copy()
        np.fill_diagonal(unit_diagonal, 1.0)
        if np.linalg.norm(unit_diagonal - semi_definite) < tolerance and (
            np.linalg.norm(unit_diagonal - previous) < tolerance
        ):
            break
    result: FloatArray = 0.5 * (unit_diagonal + unit_diagonal.T)
    return result


def suggest_valid(spearman: FloatArray, decimals: int = 3) -> FloatArray:
    """Valid rank correlations near ``spearman``, rounded to ``decimals`` and checked after rounding.

    The nearest correlation matrix is taken of the rank correlations and,
    if that is not enough, of their normal correlations (the copula needs
    both valid); a growing eigenvalue floor keeps the rounded result valid.
    """
    for floor in (1e-4, 1e-3, 1e-2, 5e-2):
        candidates = (
            nearest_correlation(spearman, floor=floor),
            np.asarray(
                spearman_correlation(nearest_correlation(np.asarray(normal_correlation(spearman)), floor=floor))
            ),
        )
        for candidate in candidates:
            rounded = np.round(candidate, decimals)
            np.fill_diagonal(rounded, 1.0)
            if is_valid_correlation(rounded):
                return rounded
    return np.eye(len(spearman))  # pragma: no cover - the identity is always valid


def _pair_key(text: str) -> tuple[str, str] | None:
    parts = [part.strip() for part in text.split(SEPARATOR)]
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def parse_correlations(
    table: Any,
    uncertain_keys: Sequence[str],
    value_of: Callable[[str], Any],
    is_fixed: Callable[[Any], bool],
    *,
    describe: Callable[[Any], str] = str,
) -> tuple[tuple[Pair, ...], list[Problem]]:
    """Validate a ``[correlations]`` table.

    Parameters
    ----------
    table : Any
        The table as read from TOML: ``"key ~ key" = rank correlation``.
    uncertain_keys : sequence of str
        Every key that may be given as a distribution (the ``"dist"`` keys).
    value_of : callable
        The scenario's typed value of a key (its default when the file does
        not set it), or None when the value has a problem of its own.
    is_fixed : callable
        Whether a typed value is a plain number rather than a distribution.
    describe : callable
        A typed value as text, for messages.

    Returns
    -------
    pairs : tuple of (str, str, float)
        The valid pairs, in file order.
    problems : list of Problem
        One per bad entry, and one for a matrix that no joint distribution
        can have (with the nearest valid values).
    """
    if not isinstance(table, Mapping):
        return (), [bad_value(SECTION, table, 'a table of "key ~ key" = rank correlation in [-1, 1]')]
    problems: list[Problem] = []
    pairs: list[Pair] = []
    seen: dict[frozenset[str], str] = {}
    known = set(uncertain_keys)
    for text, value in table.items():
        path = f'{SECTION}."{text}"'
        keys = _pair_key(text)
        if keys is None:
            problems.append(
                bad_value(path, value, f'a key naming two scenario keys, "section.key {SEPARATOR} section.key"')
            )
            continue
        entry_problems: list[Problem] = []
        for key in keys:
            if key not in known:
                entry_problems.append(
                    Problem(
                        path,
                        f"no uncertain scenario key {key!r} (expected a key that takes a distribution, "
                        f"such as 'demand.growth_per_year'){did_you_mean(key, known)}",
                    )
                )
                continue
            typed = value_of(key)
            if typed is not None and is_fixed(typed):
                entry_problems.append(
                    Problem(
                        path,
                        f"{key} is fixed at {describe(typed)} in this scenario; "
                        "only keys given as distributions can be correlated",
                    )
                )
        if keys[0] == keys[1]:
            entry_problems.append(
                bad_value(path, value, "two different keys (a key is perfectly correlated with itself)")
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1.0 <= value <= 1.0:
            entry_problems.append(bad_value(path, value, "a rank correlation, a number in [-1, 1]"))
        pair = frozenset(keys)
        if pair in seen and len(pair) == 2:
            entry_problems.append(
                bad_value(path, value, f"one correlation per pair of keys; this pair is also given as {seen[pair]!r}")
            )
        seen.setdefault(pair, text)
        problems += entry_problems
        if not entry_problems:
            pairs.append((keys[0], keys[1], float(value)))
    if not problems:
        problems += _matrix_problems(pairs)
    return tuple(pairs), problems


def _matrix_problems(pairs: Sequence[Pair]) -> list[Problem]:
    """One problem, with the nearest valid values, when the correlations cannot all hold at once."""
    keys = list(dict.fromkeys(key for first, second, _ in pairs for key in (first, second)))
    if len(keys) < 3:
        return []  # a single pair in [-1, 1] is always valid
    spearman = correlation_matrix(pairs, keys)
    if is_valid_correlation(spearman):
        return []
    suggestion = suggest_valid(spearman)
    index = {key: k for k, key in enumerate(keys)}
    values = ", ".join(
        f'"{first} {SEPARATOR} {second}" = {suggestion[index[first], index[second]]:g}' for first, second, _ in pairs
    )
    lowest = min(smallest_eigenvalue(spearman), smallest_eigenvalue(np.asarray(normal_correlation(spearman))))
    unpaired = sum(
        1 for a in range(len(keys)) for b in range(a) if spearman[a, b] == 0 and not _given(pairs, keys, a, b)
    )
    note = f" (with the {unpaired} unlisted pairs at 0)" if unpaired else ""
    return [
        Problem(
            SECTION,
            f"these rank correlations cannot hold together{note}: their matrix is not positive semi-definite "
            f"(smallest eigenvalue {lowest:.3g}); the nearest valid values are {values}",
        )
    ]


def _given(pairs: Sequence[Pair], keys: Sequence[str], a: int, b: int) -> bool:
    return any({first, second} == {keys[a], keys[b]} for first, second, _ in pairs)


def correlated_groups(pairs: Iterable[Pair], names: Iterable[str]) -> list[list[str]]:
    """The keys linked by non-zero correlations, in groups of two or more, among ``names``.

    Keys of a group are sampled jointly; every other key, and every pair at
    0, leaves the independent draws as they are. Groups and their keys are in
    the order of ``names``.

    Examples
    --------
    >>> correlated_groups([("a", "b", 0.5), ("c", "d", 0.0), ("b", "e", -0.2)], ["a", "b", "c", "d", "e"])
    [['a', 'b', 'e']]
    """
    order = {name: k for k, name in enumerate(names)}
    parent = {name: name for name in order}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for first, second, value in pairs:
        if value != 0.0 and first in order and second in order:
            parent[root(first)] = root(second)
    groups: dict[str, list[str]] = {}
    for name in order:
        groups.setdefault(root(name), []).append(name)
    return [group for group in groups.values() if len(group) > 1]


def copula_factor(spearman: FloatArray) -> FloatArray:
    """A matrix ``A`` with ``A @ A.T`` the normal correlations of ``spearman`` and rows of unit length.

    The Cholesky factor when the matrix is positive definite; otherwise
    (perfect correlations) the symmetric square root from the eigenvalues
    clipped at 0, with each row rescaled to unit length so that every
    correlated normal stays exactly standard.
    """
    normal = np.asarray(normal_correlation(spearman), dtype=float)
    try:
        factor: FloatArray = np.linalg.cholesky(normal)
    except np.linalg.LinAlgError:
        eigenvalues, eigenvectors = np.linalg.eigh(normal)
        factor = eigenvectors * np.sqrt(np.maximum(eigenvalues, 0.0))
    unit_rows: FloatArray = factor / np.linalg.norm(factor, axis=1, keepdims=True)
    return unit_rows


def pairs_to_toml(pairs: Iterable[Pair]) -> dict[str, float]:
    """The ``[correlations]`` table of ``pairs``, as :func:`parse_correlations` reads it."""
    return {f"{first} {SEPARATOR} {second}": value for first, second, value in pairs}


__all__ = [
    "SECTION",
    "copula_factor",
    "correlated_groups",
    "correlation_matrix",
    "nearest_correlation",
    "normal_correlation",
    "parse_correlations",
    "spearman_correlation",
    "suggest_valid",
]
