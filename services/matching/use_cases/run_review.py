"""The operators' review of a draft run: decisions on its proposals (in bulk, undoable until published), and
closing the draft without publishing anything."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlmodel import Session, select, update

from services.matching.adapters.tables import Run, RunProposal
from services.matching.use_cases.runs import OPERATORS, decision_counts, visible_runs
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import utcnow

DECISION_OF = {"approve": "approved", "drop": "dropped", "undo": "pending"}
IN_CHUNK = 1000


def reviewed_run(session: Session, principal: Principal, run_id: str) -> Run:
    """A run an operator of its scope (or an admin) may act on, its row locked; another scope's reads as absent."""
    principal.require(*OPERATORS)
    run = session.exec(select(Run).where(Run.id == run_id, visible_runs(principal)).with_for_update()).first()
    if run is None:
        raise NotFound(f"Запуск подбора {run_id} не найден")
    return run


def refuse(run: Run, detail: str) -> Conflict:
    """A 409 that names where the run stands."""
    return Conflict(detail, run_status=run.status, draft=run.draft, publication=run.publication)


def require_open_draft(run: Run, *, finished: bool = True) -> None:
    """409 unless the run is a draft neither published nor discarded (and, with `finished`, solved)."""
    if not run.draft:
        raise refuse(run, "Запуск не черновик: его предложения сразу стали парами")
    if run.publication == "published":
        raise refuse(run, "Черновик уже опубликован")
    if run.publication == "discarded":
        raise refuse(run, "Черновик отменён")
    if run.status in ("queued", "running"):
        raise refuse(run, "Подбор ещё выполняется: дождитесь его окончания")
    if finished and run.status != "succeeded":
        raise refuse(run, "Подбор завершился ошибкой: запустите его заново")


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield list(ids[start:start + IN_CHUNK])


def _check_named(session: Session, run: Run, named: dict[str, list[str]]) -> None:
    """422 when a proposal is named twice or is not one of this run's."""
    every = [proposal_id for ids in named.values() for proposal_id in ids]
    if len(set(every)) != len(every):
        raise ValidationFailed("Одно и то же предложение названо дважды", errors=[
            {"field": "approve", "message": "каждое предложение — в одном списке и один раз"}])
    known: set[str] = set()
    for chunk in _chunks(every):
        known.update(session.exec(select(RunProposal.id).where(RunProposal.run_id == run.id,
                                                               RunProposal.id.in_(chunk))).all())
    unknown = [(field, proposal_id) for field, ids in named.items() for proposal_id in ids if proposal_id not in known]
    if unknown:
        raise ValidationFailed(f"Предложения не найдены в этом запуске: {len(unknown)}", errors=[
            {"field": field, "message": f"предложение {proposal_id} не найдено в этом запуске"}
            for field, proposal_id in unknown[:50]])


def decide(uow: UnitOfWork, principal: Principal, run_id: str, named: dict[str, list[str]],
           every: str | None) -> dict[str, int]:
    """Approve, drop or undo (back to pending) the named proposals, or all of them; the counts by decision.

    409 unless the run is a solved draft under review; 422 for a proposal named twice, unknown, or lists given
    together with `all`."""
    session = uow.session
    run = reviewed_run(session, principal, run_id)
    require_open_draft(run)
    named = {verb: ids for verb, ids in named.items() if ids}
    if every and named:
        raise ValidationFailed("Укажите либо «all», либо списки предложений", errors=[
            {"field": "all", "message": "вместе со списками предложений"}])
    _check_named(session, run, named)
    for verb, ids in named.items():
        for chunk in _chunks(ids):
            session.execute(update(RunProposal).where(RunProposal.run_id == run.id, RunProposal.id.in_(chunk))
                            .values(decision=DECISION_OF[verb]))
    if every:
        session.execute(update(RunProposal).where(RunProposal.run_id == run.id).values(decision=DECISION_OF[every]))
    run.reviewed_by, run.reviewed_at = principal.actor, utcnow()
    uow.commit()
    return decision_counts(session, [run.id])[run.id]


def discard(uow: UnitOfWork, principal: Principal, run_id: str) -> Run:
    """Close a draft without publishing: nothing of it ever becomes a pair (409 for a published one)."""
    run = reviewed_run(uow.session, principal, run_id)
    require_open_draft(run, finished=False)
    run.publication, run.reviewed_by, run.reviewed_at = "discarded", principal.actor, utcnow()
    uow.commit()
    return run
