"""Running a scenario: chunk the draws, sample, simulate, reduce, label."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from frontiersim import environment
from frontiersim._version import __version__
from frontiersim.draws import sampling
from frontiersim.draws.cache import DEFAULT_CACHE_BYTES, DrawCache
from frontiersim.draws.sampling import Draws, GivenDraws, SeedLike, sample_given_draws, seed_sequence
from frontiersim.models.components.procurement import PolicyOverride
from frontiersim.models.engine import run_chunk, runs_compiled
from frontiersim.models.registry import SLOTS, Slot, catalogue, draw_plan
from frontiersim.results.build import ChunkReduction, ResultAccumulator, kept_outputs, reduce_chunk, result_bytes
from frontiersim.scenario.loader import scenario_hash
from frontiersim.scenario.schema import Scenario

if TYPE_CHECKING:
    from frontiersim.results.result import SimulationResult
    from frontiersim.results.summary import SummaryResult

FloatArray = NDArray[np.float64]

#: Default number of draws simulated at once; bounds memory at roughly
#: ``chunk_size * months * 8 bytes * 20`` (about 200 MB for 120 months).
DEFAULT_CHUNK_SIZE = 8192

#: Above this many draw-months, runs keep only yearly arrays unless told otherwise.
MONTHLY_LIMIT_DRAW_MONTHS = 50_000_000


#: Working memory of one chunk, bytes per draw-month of a lab (the engine's month-major buffers and
#: temporaries; about 200 MB for 8,192 draws of 120 months, as measured by ``benchmarks/bench_engine.py``).
CHUNK_BYTES_PER_LAB_DRAW_MONTH = 200


class MemoryBudgetError(ValueError):
    """A run would need more memory than the machine has available (estimated before anything is allocated)."""


def available_memory_bytes() -> int | None:
    """Memory available to a new allocation: ``MemAvailable`` of ``/proc/meminfo``, else free pages; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def memory_estimate_bytes(
    scenario: Scenario,
    draws: int,
    keep_monthly: bool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    slots: Sequence[Slot] = SLOTS,
    kept: Collection[str] | None = None,
) -> int:
    """Bytes a run is expected to need: its results (all outputs, or the ``kept`` ones) plus the chunks' working memory.

    An estimate.
    """
    parameters = len(draw_plan(scenario, slots).parameter_names)
    results = result_bytes(scenario, draws, keep_monthly, parameters, catalogue(scenario, slots), kept)
    return results + working_bytes(scenario, draws, chunk_size, slots)


def working_bytes(
    scenario: Scenario, draws: int, chunk_size: int = DEFAULT_CHUNK_SIZE, slots: Sequence[Slot] = SLOTS
) -> int:
    """Working memory of the chunks a run in one process simulates at once (one per thread of :func:`_chunk_threads`).

    An estimate.
    """
    chunk = min(draws, chunk_size) * len(scenario.lab_names) * scenario.horizon_months * CHUNK_BYTES_PER_LAB_DRAW_MONTH
    return chunk * _chunk_threads(scenario, draws, chunk_size, slots)


def memory_problem(
    scenario: Scenario,
    draws: int,
    keep_monthly: bool | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    slots: Sequence[Slot] = SLOTS,
    available: int | None = None,
    kept: Collection[str] | None = None,
) -> str | None:
    """Why a run of ``draws`` would not fit in the memory available, with the estimate; None if it fits.

    ``keep_monthly=None`` is decided as :func:`simulate` decides it. ``available`` defaults to
    :func:`available_memory_bytes` (no check when unknown).
    """
    budget = available if available is not None else available_memory_bytes()
    if budget is None:
        return None
    keep = keep_monthly if keep_monthly is not None else _default_keep_monthly(scenario, draws)
    needed = memory_estimate_bytes(scenario, draws, keep, chunk_size, slots, kept)
    if needed <= budget:
        return None
    gib = 1024.0**3
    per_million = memory_estimate_bytes(scenario, 1_000_000, keep, chunk_size, slots, kept) / gib
    advice = (
        "use fewer draws"
        + ("" if not keep else ", keep no monthly arrays (--summary-only)")
        + ", or keep the outputs as distributions, whose memory does not grow with the draws "
        "(--no-draws, simulate_summary)"
    )
    return (
        f"{draws:,} draws would need about {needed / gib:,.1f} GiB ({per_million:,.2f} GiB per million draws"
        f"{' with monthly arrays' if keep else ', summary only'}), but {budget / gib:,.1f} GiB is available: {advice}"
    )


def summary_memory_problem(
    scenario: Scenario,
    draws: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    slots: Sequence[Slot] = SLOTS,
    available: int | None = None,
) -> str | None:
    """Why a summary run (:func:`simulate_summary`) would not fit in the memory available; None if it fits.

    Its sketches (:func:`~frontiersim.results.summary.sketch_bytes`) and the
    working memory of the chunks it simulates at once (:func:`working_bytes`):
    not the draws, which it does not keep.
    """
    from frontiersim.results.summary import sketch_bytes  # noqa: PLC0415

    budget = available if available is not None else available_memory_bytes()
    if budget is None:
        return None
    parameters = len(draw_plan(scenario, slots).parameter_names)
    sketches = sketch_bytes(scenario, catalogue(scenario, slots), parameters)
    chunk = working_bytes(scenario, draws, chunk_size, slots)
    if sketches + chunk <= budget:
        return None
    gib = 1024.0**3
    return (
        f"a summary run needs about {(sketches + chunk) / gib:,.1f} GiB ({sketches / gib:,.1f} GiB of sketches for "
        f"{len(scenario.lab_names)} labs over {scenario.meta.horizon_years} years, whatever the draws), but "
        f"{budget / gib:,.1f} GiB is available: use a shorter horizon, fewer labs or a smaller --chunk-size"
    )


def extra_workers_note(workers: int, tasks: int, cores: int | None = None, *, task_name: str = "chunk") -> str | None:
    """Why ``workers`` processes cannot all help with ``tasks`` independent tasks (None when they can).

    Workers beyond the cores share them, each with its own start-up and copies
    of the results; workers beyond the tasks have nothing to do.

    Examples
    --------
    >>> print(extra_workers_note(4, 20, cores=2, task_name="point"))
    extra workers cannot help: 4 workers on 2 cores; use --workers 2 or fewer
    >>> print(extra_workers_note(4, 1, cores=8))
    extra workers cannot help: 1 chunk for 4 workers; use --workers 1
    >>> extra_workers_note(2, 20, cores=2) is None
    True
    """
    cores = environment.available_cores() if cores is None else cores
    if workers <= min(cores, tasks):
        return None
    if tasks < workers and tasks <= cores:
        tasks_text = f"{tasks:,} {task_name}{'' if tasks == 1 else 's'}"
        return f"extra workers cannot help: {tasks_text} for {workers:,} workers; use --workers {tasks:,}"
    return f"extra workers cannot help: {workers:,} workers on {cores:,} cores; use --workers {cores:,} or fewer"


def chunk_count(draws: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Chunks a run of ``draws`` draws is simulated in (the tasks ``workers`` share).

    Examples
    --------
    >>> chunk_count(200_000), chunk_count(100)
    (25, 1)
    """
    return -(-draws // chunk_size)


def _default_keep_monthly(scenario: Scenario, draws: int) -> bool:
    return draws * len(scenario.labs) * scenario.horizon_months <= MONTHLY_LIMIT_DRAW_MONTHS


def _draw_count(scenario: Scenario, draws: int | None, given: GivenDraws | None) -> int:
    """The number of draws of a run: ``draws``, else the given design's rows, else the scenario's."""
    if draws is None:
        return given.size if given is not None else scenario.simulation.draws
    if given is not None and draws != given.size:
        raise ValueError(f"draws must be the {given.size} rows of the given design, got {draws}")
    return draws


class ChunkSink(Protocol):
    """Where finished chunks go: the run's arrays (:class:`ResultAccumulator`) or sketches (``SummaryAccumulator``)."""

    def monthly_views(self, start: int, stop: int) -> dict[str, FloatArray]:
        """Where draws ``start:stop`` of each monthly output are written, if anywhere."""
        ...

    def fault_in(self, start: int, stop: int) -> None:
        """Map the memory draws ``start:stop`` will be copied into."""
        ...

    def add(self, chunk: ChunkReduction) -> None:
        """Keep one chunk."""
        ...


def _chunk_bounds(draws: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, draws, chunk_size):
        yield start, min(start + chunk_size, draws)


def _collect(future: Future[ChunkReduction], results: ChunkSink, progress: Callable[[int], None] | None) -> None:
    chunk = future.result()
    results.add(chunk)
    if progress is not None:
        progress(chunk.stop - chunk.start)


def _policies_text(scenario: Scenario, policy: PolicyOverride) -> str:
    """The policy of each lab, as run (a given override in place of the scenario's), for the run's provenance."""
    labs = scenario.labs
    if policy is not None and not isinstance(policy, Mapping):
        return repr(policy)
    given = policy or {}
    chosen = {lab.name: repr(given[lab.name]) if lab.name in given else repr(lab.policy) for lab in labs}
    if len(labs) == 1:
        return next(iter(chosen.values()))
    return "; ".join(f"{name}: {text}" for name, text in chosen.items())


def sample_draws(scenario: Scenario, start: int, stop: int, seed: SeedLike, slots: Sequence[Slot] = SLOTS) -> Draws:
    """Sample every random input of ``scenario`` for draws ``start:stop``.

    The streams are those its components declare
    (:func:`frontiersim.models.draw_plan`); see
    :func:`frontiersim.draws.sample_draws` for the reproducibility contract.
    """
    return sampling.sample_draws(scenario, start, stop, seed, draw_plan(scenario, slots))


def draw_cache(scenario: Scenario, slots: Sequence[Slot] = SLOTS, max_bytes: int = DEFAULT_CACHE_BYTES) -> DrawCache:
    """A cache of ``scenario``'s sampled chunks for :func:`simulate` (``draws_cache=``) to reuse across runs.

    Runs of the same scenario, seed and chunk size that differ only in their
    policy (a policy search's candidates) then sample each chunk once; see
    :mod:`frontiersim.draws.cache`.
    """
    return DrawCache(scenario, draw_plan(scenario, slots), max_bytes)


def _check_draws_cache(
    scenario: Scenario, slots: Sequence[Slot], draws_cache: DrawCache | None, given: GivenDraws | None
) -> None:
    """Refuse a cache of another scenario's draws, or one combined with a given design."""
    if draws_cache is None:
        return
    if given is not None:
        raise ValueError("draws_cache and given cannot be combined: a design's rows are not cached")
    if draws_cache.scenario is not scenario or draws_cache.plan != draw_plan(scenario, slots):
        raise ValueError("draws_cache was made for another scenario or other slots: see draw_cache()")


def chunk_draws(
    scenario: Scenario,
    start: int,
    stop: int,
    seed: np.random.SeedSequence,
    slots: Sequence[Slot] = SLOTS,
    given: GivenDraws | None = None,
    draws_cache: DrawCache | None = None,
) -> Draws:
    """The draws of chunk ``start:stop``: sampled, rows of a ``given`` design, or kept by ``draws_cache``.

    With ``given``, the draws are rows ``start:stop`` of that design
    (:func:`~frontiersim.draws.sampling.sample_given_draws`). With
    ``draws_cache`` (made for this scenario and slots by :func:`draw_cache`),
    the chunk is taken from the cache when it was sampled before.
    """
    if draws_cache is not None:
        return draws_cache.draws(start, stop, seed)
    if given is None:
        return sample_draws(scenario, start, stop, seed, slots)
    return sample_given_draws(scenario, given, start, stop, seed, draw_plan(scenario, slots))


def simulate_range(
    scenario: Scenario,
    start: int,
    stop: int,
    seed: np.random.SeedSequence,
    keep_monthly: bool,
    policy: PolicyOverride = None,
    slots: Sequence[Slot] = SLOTS,
    monthly_out: Mapping[str, FloatArray] | None = None,
    given: GivenDraws | None = None,
    draws_cache: DrawCache | None = None,
    kept: Collection[str] | None = None,
    draws: Draws | None = None,
) -> ChunkReduction:
    """Sample and simulate draws ``start:stop`` and reduce them (one chunk).

    ``monthly_out`` (in this process only) is where the chunk's monthly
    arrays go (:meth:`ResultAccumulator.monthly_views`). The draws are
    ``draws`` when given (sampled ahead, :func:`chunk_draws`), else
    :func:`chunk_draws`'s of ``given`` and ``draws_cache``. ``kept`` names
    the per-draw outputs kept (by default all).
    """
    if draws is None:
        draws = chunk_draws(scenario, start, stop, seed, slots, given, draws_cache)
    output = run_chunk(scenario, draws, policy, slots=slots, keep_monthly=keep_monthly, monthly_out=monthly_out)
    return reduce_chunk(output, start, stop, draws.parameters, keep_monthly, kept)


@dataclass(frozen=True)
class _Chunks:
    """What every chunk of one run is simulated with: all of :func:`simulate_range`'s arguments but its bounds."""

    scenario: Scenario
    root: np.random.SeedSequence
    keep_monthly: bool
    policy: PolicyOverride
    slots: Sequence[Slot]
    given: GivenDraws | None
    draws_cache: DrawCache | None
    kept: Collection[str] | None

    def draws(self, start: int, stop: int) -> Draws:
        """Draws ``start:stop``, sampled (or taken from the cache, or the design of experiments)."""
        return chunk_draws(self.scenario, start, stop, self.root, self.slots, self.given, self.draws_cache)

    def simulate(
        self, start: int, stop: int, monthly_out: Mapping[str, FloatArray] | None = None, draws: Draws | None = None
    ) -> ChunkReduction:
        """Chunk ``start:stop`` simulated and reduced (:func:`simulate_range`)."""
        return simulate_range(
            self.scenario,
            start,
            stop,
            self.root,
            self.keep_monthly,
            self.policy,
            self.slots,
            monthly_out,
            self.given,
            self.draws_cache,
            self.kept,
            draws,
        )


def _simulate_here(
    chunks: _Chunks,
    bounds: Iterator[tuple[int, int]],
    results: ChunkSink,
    progress: Callable[[int], None] | None,
) -> None:
    """Simulate the chunks in this process, each chunk's draws sampled on a thread while the chunk before runs.

    The sampling releases the GIL, and the month loop leaves a core idle
    between its stretches of months. The same thread then maps the memory
    the chunk's results will be copied into (:meth:`ResultAccumulator.fault_in`).
    At most two chunks of draws are held: the one running and the next.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frontiersim-sampling") as sampler:

        def sampled(bound: tuple[int, int]) -> tuple[tuple[int, int], Future[Draws], Future[None]]:
            return bound, sampler.submit(chunks.draws, *bound), sampler.submit(results.fault_in, *bound)

        pending: tuple[tuple[int, int], Future[Draws], Future[None]] | None = sampled(next(bounds))
        while pending is not None:
            (start, stop), future, mapped = pending
            upcoming = next(bounds, None)
            pending = None if upcoming is None else sampled(upcoming)
            views = results.monthly_views(start, stop) if chunks.keep_monthly else None
            chunk = chunks.simulate(start, stop, views, draws=future.result())
            mapped.result()  # its rows are written only once the mapping thread is done with them
            results.add(chunk)
            if progress is not None:
                progress(stop - start)


def simulate(
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    keep_monthly: bool | None = None,
    policy: PolicyOverride = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    slots: Sequence[Slot] = SLOTS,
    given: GivenDraws | None = None,
    draws_cache: DrawCache | None = None,
    outputs: Collection[str] | None = None,
) -> SimulationResult:
    """Simulate a scenario over many Monte Carlo draws.

    Parameters
    ----------
    scenario : Scenario
    draws : int, optional
        Number of draws; defaults to ``scenario.simulation.draws``.
    seed : int, SeedSequence, Generator or None, optional
        Defaults to ``scenario.simulation.seed``. The same seed gives the same
        numbers whatever ``chunk_size`` and ``workers``.
    chunk_size : int
        Draws simulated at once; bounds memory.
    keep_monthly : bool, optional
        Keep monthly arrays (``True``) or only yearly, per-model and per-draw
        results (``False``, "summary-only"). By default monthly arrays are kept
        unless ``draws * labs * months`` exceeds :data:`MONTHLY_LIMIT_DRAW_MONTHS`.
    policy : ProcurementPolicy or mapping of lab name to one, optional
        Overrides the scenario's policies: one policy for every lab, or some
        labs' by name.
    workers : int
        Processes to spread chunks over (1 runs in this process).
    progress : callable, optional
        Called with the number of draws finished after each chunk.
    slots : sequence of Slot
        The month's components (:data:`frontiersim.models.registry.SLOTS`);
        ``docs/extending.md`` shows how to add one.
    given : GivenDraws, optional
        Parameter values given for each draw instead of sampled (a design of
        experiments, :mod:`frontiersim.sensitivity`): ``draws`` defaults to
        its number of rows, and each row takes the monthly shocks of the
        sampled draw it names.
    draws_cache : DrawCache, optional
        Chunks sampled by earlier runs of this scenario (:func:`draw_cache`),
        reused instead of sampled again: the numbers are the same with or
        without it. Used when the chunks run in this process (``workers=1``
        or a single chunk); not with ``given``.
    outputs : collection of str, optional
        The per-draw outputs to keep (yearly, final, per-model and
        per-milestone names of :func:`frontiersim.models.catalogue`);
        by default all of them. ``ruin_month`` is always kept. A run that
        needs a few figures of many draws (a policy search) keeps only
        those: less memory, less copying. Tables that read an output not
        kept cannot be built from the result.

    Returns
    -------
    SimulationResult
    """
    n = _draw_count(scenario, draws, given)
    _check_run(scenario, n, chunk_size, workers, slots, draws_cache, given)
    root = seed_sequence(scenario.simulation.seed if seed is None else seed)
    if keep_monthly is None:
        keep_monthly = _default_keep_monthly(scenario, n)
    declared = catalogue(scenario, slots)
    kept = kept_outputs(declared, outputs)
    problem = memory_problem(scenario, n, keep_monthly, chunk_size, slots, kept=kept)
    if problem is not None:
        raise MemoryBudgetError(problem)
    results = ResultAccumulator(scenario, n, keep_monthly, draw_plan(scenario, slots).parameter_names, declared, kept)
    _run_chunks(
        scenario, n, chunk_size, root, keep_monthly, policy, workers, progress, slots, given, draws_cache, kept, results
    )
    attrs = _run_attrs(scenario, root, n, policy, given)
    from frontiersim.results.result import SimulationResult  # noqa: PLC0415 (xarray and pandas, only to label)

    return SimulationResult(results.to_dataset(attrs))


def simulate_summary(
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    policy: PolicyOverride = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    slots: Sequence[Slot] = SLOTS,
    draws_cache: DrawCache | None = None,
) -> SummaryResult:
    """Simulate a scenario and keep its outputs as distributions over draws, not per-draw numbers.

    The same draws as :func:`simulate` with the same seed, but each chunk's
    per-draw outputs are added to fixed-bin sketches and dropped
    (:mod:`frontiersim.results.summary`): memory does not grow with the
    draws (about 130 MiB per lab for ten years), where :func:`simulate`
    keeps about 3.2 KB per draw and lab. P(ruin) and month quantiles are
    exact, means agree with :func:`simulate`'s to about 1e-15, and quantiles
    of money and other floats are within 0.39% of the exact ones. The
    numbers are the same whatever ``chunk_size`` and ``workers``.

    Parameters
    ----------
    scenario : Scenario
    draws, seed, chunk_size, policy, workers, progress, slots, draws_cache
        As for :func:`simulate`.

    Returns
    -------
    SummaryResult

    Examples
    --------
    >>> import frontiersim as fs
    >>> summary = fs.simulate_summary(fs.bundled("default"), draws=2_000, seed=1)
    >>> full = fs.simulate(fs.bundled("default"), draws=2_000, seed=1)
    >>> summary.ruin_probability() == full.ruin_probability()
    True
    >>> bool(abs(summary.summary().iloc[1, 0] / full.summary().iloc[1, 0] - 1) < 1e-12)  # mean revenue, year 1
    True
    """
    from frontiersim.results.summary import SummaryAccumulator  # noqa: PLC0415

    n = _draw_count(scenario, draws, None)
    _check_run(scenario, n, chunk_size, workers, slots, draws_cache, None)
    problem = summary_memory_problem(scenario, n, chunk_size, slots)
    if problem is not None:
        raise MemoryBudgetError(problem)
    root = seed_sequence(scenario.simulation.seed if seed is None else seed)
    sketches = SummaryAccumulator(scenario, n, draw_plan(scenario, slots).parameter_names, catalogue(scenario, slots))
    _run_chunks(
        scenario, n, chunk_size, root, False, policy, workers, progress, slots, None, draws_cache, None, sketches
    )
    return sketches.result(_run_attrs(scenario, root, n, policy, None))


def _check_run(
    scenario: Scenario,
    draws: int,
    chunk_size: int,
    workers: int,
    slots: Sequence[Slot],
    draws_cache: DrawCache | None,
    given: GivenDraws | None,
) -> None:
    """Refuse a run's arguments that cannot be simulated, with the reason."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    _check_draws_cache(scenario, slots, draws_cache, given)


#: Chunks per thread from which a run in one process gives each thread whole chunks (:func:`_chunk_threads`).
MIN_CHUNKS_PER_THREAD = 4


def _chunk_threads(scenario: Scenario, draws: int, chunk_size: int, slots: Sequence[Slot] = SLOTS) -> int:
    """Threads that each run whole chunks at once: :func:`~frontiersim.environment.compute_threads`, or 1.

    A run on the compiled engine of at least :data:`MIN_CHUNKS_PER_THREAD`
    chunks per thread runs one chunk on each thread at a time: while one
    thread takes a chunk's procurement decisions or builds its components
    (numpy and Python, one core), the others run their kernels, which
    release the GIL (a million draws of 120 months, kept as distributions,
    took 4.3 s against 5.3 s sharing each chunk's draws,
    ``benchmarks/bench_kernels.py``). A shorter
    run, where the last chunks would leave threads idle, shares each chunk's
    draws among the threads, as does the numpy engine, whose Python steps
    hold the GIL (whole chunks per thread took the same time and a third
    more CPU).
    """
    threads = environment.compute_threads()
    if threads == 1 or chunk_count(draws, chunk_size) < MIN_CHUNKS_PER_THREAD * threads:
        return 1
    return threads if runs_compiled(scenario, slots) else 1


def _simulate_on_threads(
    chunks: _Chunks,
    bounds: Iterator[tuple[int, int]],
    results: ChunkSink,
    progress: Callable[[int], None] | None,
    threads: int,
) -> None:
    """Simulate ``threads`` chunks at once, each sampled and run on one thread; hand them to ``results`` in order.

    Each chunk's numbers are those of a run on one thread (every draw is
    stepped alone; :func:`~frontiersim.environment.use_one_thread`), and
    the chunks reach ``results`` in the order of the draws, so the run is
    identical whatever the thread count. At most ``threads + 1`` chunks are
    held at once.
    """

    def one(start: int, stop: int) -> ChunkReduction:
        results.fault_in(start, stop)
        return chunks.simulate(start, stop, results.monthly_views(start, stop) if chunks.keep_monthly else None)

    with ThreadPoolExecutor(
        max_workers=threads, thread_name_prefix="frontiersim-chunk", initializer=environment.use_one_thread
    ) as pool:
        pending: deque[Future[ChunkReduction]] = deque()
        try:
            for bound in bounds:
                pending.append(pool.submit(one, *bound))
                if len(pending) > threads:
                    _collect(pending.popleft(), results, progress)
            while pending:
                _collect(pending.popleft(), results, progress)
        finally:
            for future in pending:  # after an error: chunks not started are not run
                future.cancel()


def _run_chunks(
    scenario: Scenario,
    draws: int,
    chunk_size: int,
    root: np.random.SeedSequence,
    keep_monthly: bool,
    policy: PolicyOverride,
    workers: int,
    progress: Callable[[int], None] | None,
    slots: Sequence[Slot],
    given: GivenDraws | None,
    draws_cache: DrawCache | None,
    kept: Collection[str] | None,
    results: ChunkSink,
) -> None:
    """Simulate every chunk, here or on ``workers`` processes; hand each to ``results`` in the order of the draws."""
    bounds = _chunk_bounds(draws, chunk_size)  # lazily: a huge draw count costs nothing before the checks
    chunks = _Chunks(scenario, root, keep_monthly, policy, slots, given, draws_cache, kept)
    if workers == 1 or draws <= chunk_size:
        threads = _chunk_threads(scenario, draws, chunk_size, slots)  # 1 for a single chunk
        if threads > 1:
            _simulate_on_threads(chunks, bounds, results, progress, threads)
        else:
            _simulate_here(chunks, bounds, results, progress)
        return
    in_workers = dataclasses.replace(chunks, draws_cache=None)  # the cache is this process's
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # At most two chunks per worker are in flight, so finished chunks
        # waiting to be copied in stay few and memory stays bounded.
        pending: deque[Future[ChunkReduction]] = deque()
        for start, stop in bounds:
            pending.append(pool.submit(in_workers.simulate, start, stop))
            if len(pending) >= 2 * workers:
                _collect(pending.popleft(), results, progress)
        while pending:
            _collect(pending.popleft(), results, progress)


def _run_attrs(
    scenario: Scenario, root: np.random.SeedSequence, draws: int, policy: PolicyOverride, given: GivenDraws | None
) -> dict[str, object]:
    """What a run records of itself: scenario, seed, draws, version, time and policies."""
    return {
        "scenario_name": scenario.meta.name,
        "scenario_sha256": scenario_hash(scenario),
        "scenario_toml": scenario.source_text,
        "seed_entropy": str(root.entropy),
        "seed_spawn_key": list(root.spawn_key),
        "draws": draws,
        "start": scenario.meta.start,
        "horizon_years": scenario.meta.horizon_years,
        "frontiersim_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy": _policies_text(scenario, policy),
        **({} if given is None else {"given_parameters": sorted(given.parameters)}),
    }
