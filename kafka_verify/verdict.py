"""The verdict of a run, from its accounting, the cluster's health at the end and the send policy.

Worst first: the verifier's own books not adding up and any acknowledged message lost, corrupted,
duplicated, reordered or misplaced are data loss (5); an unhealthy cluster, unreadable messages
or too many unconfirmed sends are unhealthy (4). A loss is never reported as anything milder.
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka_verify.accounting import Accounting
from kafka_verify.errors import DATA_LOSS, OK, UNHEALTHY
from kafka_verify.health import Health

DEFECTS = ("lost", "corrupted", "duplicated", "reordered", "misplaced")


@dataclass(frozen=True)
class SendPolicy:
    """How many unconfirmed (failed or unresolved) sends a run tolerates.

    judged is False for a read-back of an earlier run (--consume-only): its sends were judged by
    the run that made them."""

    max_failed_ratio: float = 0.0
    expect_failures: bool = False
    judged: bool = True


@dataclass(frozen=True)
class Verdict:
    code: int
    reason: str


def judge(accounting: Accounting, after: Health, policy: SendPolicy,
          failures: dict[str, int] | None = None, read_back: bool = True) -> Verdict:
    """read_back is False for --produce-only, whose messages a later run reads."""
    loss = [problem for problem in (accounting.imbalance(), defects(accounting)) if problem]
    if loss:
        return Verdict(DATA_LOSS, "; ".join(loss))
    trouble = [problem for problem in (unhealthy(accounting, after), unconfirmed_sends(accounting, policy, failures))
               if problem]
    if not trouble and policy.judged and not accounting.acked:
        trouble.append(f"no message was acknowledged ({failures or {}}); check min.insync.replicas and that "
                       f"enough brokers are in sync")
    if trouble:
        return Verdict(UNHEALTHY, "; ".join(trouble))
    if not read_back:
        return Verdict(OK, f"{accounting.acked} messages acknowledged; --consume-only with the state reads them back")
    return Verdict(OK, "every acknowledged message was read back intact, once, in order")


def defects(accounting: Accounting) -> str | None:
    parts = [f"{len(getattr(accounting, name))} {name}" for name in DEFECTS if getattr(accounting, name)]
    if not parts:
        return None
    return (f"{', '.join(parts)} of {accounting.acked} acknowledged messages; check "
            f"unclean.leader.election.enable, min.insync.replicas and the brokers' logs")


def unhealthy(accounting: Accounting, after: Health) -> str | None:
    if not accounting.unavailable and after.ok:
        return None
    detail = "; ".join(after.problems()) or "partitions could not be read"
    unread = f"{len(accounting.unavailable)} acknowledged messages unreadable; " if accounting.unavailable else ""
    return f"cluster unhealthy: {unread}{detail}; check that every broker runs and is in the ISR"


def unconfirmed_sends(accounting: Accounting, policy: SendPolicy, failures: dict[str, int] | None = None) -> str | None:
    """The reason a run fails on its unconfirmed sends, or None when they are within the policy."""
    if not policy.judged or policy.expect_failures or not accounting.sent:
        return None
    ratio = accounting.unconfirmed / accounting.sent
    if ratio <= policy.max_failed_ratio:
        return None
    kinds = f" {failures}" if failures else ""
    return (f"{accounting.unconfirmed} of {accounting.sent} sends not acknowledged (failed {accounting.failed}"
            f"{kinds}, unresolved {accounting.unresolved}): ratio {ratio:.4g} exceeds --max-failed-ratio "
            f"{policy.max_failed_ratio:g}; pass --expect-failures if the run causes them on purpose, otherwise "
            f"check min.insync.replicas, the topic's configs and the brokers' logs")
