"""Pull all of a job's streams in order, auditing each counted object and repairing a disagreement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from config import Deployment, HubSpotConnection, Job, Source
from connectors import Connector, ConnectorError, StopError, StreamSpec, stream_map
from sync.identity.apply import apply_identity
from sync.pull.directory import read_directory, store_directory
from sync.pull.reconcile import audit, audited
from sync.pull.repair import differing_windows, reread
from sync.pull.side_by_side import Work, read_side_by_side
from sync.pull.stream import ProgressSink, PullRequest, pull_stream
from sync.pull.vanished import records_vanished, sweep_deleted
from sync.runs.api_usage import close_budget, open_budget
from sync.runs.records import Ended, RunRecorder
from sync.store.currency import store_config_rates, store_crm_currency
from sync.store.tables import utcnow

# Stages and rates first, then accounts, then what hangs off them (the store's references), by the kind of row
# each connector maps an object to.
KIND_ORDER = ("stage_meta", "rates", "dated_rates", "accounts", "opportunities", "stage_history", "line_items",
              "crm_user", "person", "account_contact", "deal_contact", "team_member")  # fmt: skip
ConnectorFactory = Callable[[Deployment, str, Job], Connector]


def pull_job(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    objects: Sequence[str] | None,
    full: bool,
    sink: ProgressSink,
    factory: ConnectorFactory,
    recorder: RunRecorder,
) -> Ended:
    """Pull every stream of the job's sources, audit each counted object, then apply identity.

    Returns how it ended, with the audits; connector stop errors become `stopped_for_budget`.
    """
    store_config_rates(engine, deployment.currency)
    req = PullRequest(job.name, recorder.run_id, utcnow(), timedelta(minutes=job.lookback_minutes), full,
                      job.opportunity_types, link_property(deployment), writeback_fields(job))  # fmt: skip

    audits_of: dict[str, list[dict[str, Any]]] = {source.connection: [] for source in job.sources}
    recorder.connections = tuple(audits_of)

    def pull_source(source: Source, connector: Connector, shown: ProgressSink) -> None:
        specs = connector.streams(_objects(source.objects, objects), extra_fields=extra_fields(job, source))
        for spec in ordered_streams(specs, connector.crm):
            pull_stream(engine, connector, spec, req, recorder, shown)
            if audited(connector, spec):
                audits_of[source.connection].append(audit_and_repair(engine, connector, spec, req, recorder, shown))

    stopped = read_sources(deployment, job, engine, factory, recorder, job.sources, pull_source, sink,
                           side_by_side=job.sources_side_by_side)  # fmt: skip
    audits = [audit for source in job.sources for audit in audits_of[source.connection]]
    if stopped is not None:
        return Ended(*stopped, audits=audits)
    bad = recorder.extra.get("error_count", 0) or any(not a["agrees"] for a in audits)
    return Ended("partial" if bad else "succeeded", audits=audits)


def read_sources(
    deployment: Deployment,
    job: Job,
    engine: Engine,
    factory: ConnectorFactory,
    recorder: RunRecorder,
    sources: Sequence[Source],
    work: Work,
    sink: ProgressSink,
    *,
    side_by_side: bool = False,
) -> tuple[str, str] | None:
    """Open each source's connector and hand it to `work` (one source after another, or all at once:
    `sync.pull.side_by_side`), then apply identity. Every connector is closed and its calls and quota noted on
    the run whatever happens. Returns the run's status and message when a connector stopped it (budget, daily
    quota: `stopped_for_budget`) or failed it; None when it went through."""
    opened: list[Connector] = []
    try:
        for source in sources:
            connector = factory(deployment, source.connection, job)
            opened.append(connector)
            open_budget(engine, job.name, connector)
            store_crm_currency(engine, source.connection, _corporate_currency(connector, recorder))
            store_directory(engine, source.connection, read_directory(connector))
            if not side_by_side:
                work(source, connector, sink)
        if side_by_side:
            _raise_worst(read_side_by_side(list(zip(sources, opened, strict=True)), work, sink), recorder)
        apply_identity(engine, precedence=job.precedence, default=job.default_precedence)
    except StopError as exc:
        return "stopped_for_budget", str(exc)
    except ConnectorError as exc:
        recorder.error("connector", str(exc), code=exc.code)
        return "failed", str(exc)
    finally:
        for connector in opened:
            recorder.note_quota(connector.name, connector.quota())
            close_budget(engine, job.name, connector)
            connector.close()
    return None


def _raise_worst(errors: list[BaseException], recorder: RunRecorder) -> None:
    """Raise the worst of the sources' errors; the other CRMs' failures are listed on the run."""
    if not errors:
        return
    for other in errors[1:]:
        if isinstance(other, ConnectorError):
            recorder.error("connector", str(other), code=other.code)
    raise errors[0]


def _corporate_currency(connector: Connector, recorder: RunRecorder) -> str | None:
    """The CRM's own corporate currency; a CRM that cannot say (an API the credentials may not reach) is an
    error on the run, not a failed job: the currency last read stays, else records without one count as ours."""
    try:
        return connector.corporate_currency()
    except StopError:
        raise
    except ConnectorError as exc:
        recorder.error("currency", f"{connector.name}: could not read its corporate currency: {exc}", code=exc.code)
        return None


def audit_and_repair(
    engine: Engine, connector: Connector, spec: StreamSpec, req: PullRequest, recorder: RunRecorder, sink: ProgressSink
) -> dict[str, Any]:
    """Compare counts; on a mismatch re-pull the window that disagrees, then check again.

    First the window since this run's end: records edited or deleted while the run read (or stamped by a CRM
    clock ahead of ours) are counted at their old state by the store and not at all by the CRM up to the run's
    start. When that catch-up settles it, the audit says so and the run is not marked for it. A mismatch it
    does not settle is a gap: reported as an error on the run; the windows where the counts differ are found
    by halving (`sync.pull.repair`) and only they are read again (sweeping what is gone there); should the counts
    still differ, the stream is re-read in full, then checked again.
    """
    first = audit(engine, connector, spec, req.run_start)
    if records_vanished(first) and sweep_deleted(engine, connector, spec, req, recorder, sink):
        swept = audit(engine, connector, spec, req.run_start)  # deletes listed only now that some vanished
        if swept.agrees and not swept.crm_after:
            return swept.as_dict() | {"repaired_from": first.as_dict(), "repair": "deleted listing"}
        # records edited since the run started may carry what else vanished (a survivor naming its merged ids):
        # the catch-up reads them, as it would have without the listing
        first = swept
    elif first.agrees:
        return first.as_dict()
    catch_up = replace(req, run_start=utcnow())
    pull_stream(engine, connector, spec, catch_up, recorder, sink)
    second = audit(engine, connector, spec, catch_up.run_start)
    if second.agrees:
        return second.as_dict() | {"repaired_from": first.as_dict(), "repair": "catch-up"}
    recorder.error("reconciliation", f"{spec.name}: CRM has {second.crm_count}, store {second.store_count}; "
                   "re-reading where the counts differ", stream=f"{connector.name}.{spec.name}")  # fmt: skip
    windows = differing_windows(engine, connector, spec, catch_up.run_start)
    if windows:
        reread(engine, connector, spec, windows, catch_up, recorder, sink)
        third = audit(engine, connector, spec, catch_up.run_start)
        if third.agrees:
            return third.as_dict() | {"repaired_from": first.as_dict(), "repair": "windows",
                                      "windows": [w.as_dict() for w in windows]}  # fmt: skip
    full = replace(catch_up, full=True)
    pull_stream(engine, connector, spec, full, recorder, sink)
    third = audit(engine, connector, spec, full.run_start)
    return third.as_dict() | {"repaired_from": first.as_dict(), "repair": "full"}


def writeback_fields(job: Job) -> frozenset[str]:
    """The job's write-back target fields: read to tell a rep's edit from ours, missing until provisioned (then
    not an error, whatever reads them: a pull or one account's resync)."""
    return frozenset(name for target in job.writeback for name in target.fields.values())


def extra_fields(job: Job, source: Source) -> dict[str, list[str]]:
    """Fields to read beyond the defaults: the source's own, and the job's write-back targets on the same
    connection (their current values tell a rep's edit from ours)."""
    extra: dict[str, list[str]] = {obj: list(names) for obj, names in source.fields.items()}
    for target in job.writeback:
        if target.connection == source.connection:
            wanted = extra.setdefault(target.object, [])
            wanted += [name for name in target.fields.values() if name not in wanted]
    return extra


def _objects(configured: Sequence[str], only: Sequence[str] | None) -> list[str]:
    return [o for o in configured if only is None or o in only]


def ordered_streams(specs: list[StreamSpec], crm: str) -> list[StreamSpec]:
    """Stages and rates first, then accounts, then what hangs off them (the store's references)."""
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return sorted(specs, key=lambda spec: rank[stream_map(crm, spec.object).kind])


def link_property(deployment: Deployment) -> str:
    """The HubSpot property that links a company to its Salesforce account (the first HubSpot connection's)."""
    for conn in deployment.connections.values():
        if (name := getattr(conn, "link_property", None)) is not None:
            return str(name)
    return str(HubSpotConnection.model_fields["link_property"].default)  # config's default: no literal here
