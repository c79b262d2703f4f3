"""The admin API's request and response bodies (pydantic): what goes over the wire, and nothing secret."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.runs import RunPublic
from sync.scores import AccountPublic

Kind = Literal["job", "full", "sync", "account", "writeback", "dry_run"]
Role = Literal["metrics", "viewer", "operator", "admin"]
RunStatus = Literal["queued", "running", "succeeded", "partial", "failed", "stopped_for_budget", "stopped", "cancelled"]
Tier = Literal["A", "B", "C", "D"]


class Out(BaseModel):
    """Base of response bodies: read from our dataclasses by attribute."""

    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    """An error with one readable line."""

    detail: str = Field(description="What went wrong and what to do.")


class RunCreate(BaseModel):
    """Ask for a run of a job."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(default="job", description="job (the whole job: incremental pull, enrich, score, write "
                       "back), full (the whole job with a full pull that re-reads and sweeps deletes), sync (pull "
                       "only), account (resync the one `account`), writeback (write back only), or dry_run (plan "
                       "the write-back, send nothing).")  # fmt: skip
    objects: list[str] | None = Field(
        default=None, min_length=1, max_length=20, description="Only these objects of the job's sources."
    )
    account: str | None = Field(
        default=None,
        min_length=1,
        max_length=96,
        description="Resync this one account (its key, e.g. `sf:001...`, or a CRM record id): "
        "its records are read again by id and those the CRM no longer holds are marked deleted.",
    )


class TokenCreate(BaseModel):
    """Create an API token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$", description="Unique.")
    role: Role = Field(description="metrics (scrapes /metrics only), viewer, operator or admin.")


class SourceOut(Out):
    """Objects a job reads from one connection."""

    connection: str
    objects: list[str]


class TargetOut(Out):
    """Where a job writes scores."""

    connection: str
    object: str
    fields: dict[str, str]


class JobOut(Out):
    """A job with its schedule and next fire time."""

    name: str
    schedule: str | None
    next_fire_at: datetime | None
    sources: list[SourceOut]
    writeback: list[TargetOut]
    queued: int
    running: int


class ConnectionOut(Out):
    """A connection, never with its secrets."""

    name: str
    type: str
    url: str
    auth: str | None


class JobsOut(Out):
    """Every job and connection of the deployment."""

    jobs: list[JobOut]
    connections: list[ConnectionOut]


RunOut = RunPublic  # the one public model of a run, declared with the runs (sync.runs)


class RunPageOut(Out):
    """A page of runs, newest first."""

    total: int
    limit: int
    offset: int
    items: list[RunOut]


class RunCreated(Out):
    """The run asked for; `created` is false when the Idempotency-Key already had one."""

    created: bool
    run: RunOut


AccountOut = AccountPublic  # the one public model of a ranked account, declared with the scores (sync.scores)


class AccountPageOut(Out):
    """A page of ranked accounts."""

    scoring_run_id: int | None
    as_of: date | None
    total: int
    limit: int
    offset: int
    items: list[AccountOut]


class AccountDetailOut(Out):
    """One account with its figures and score history."""

    account: AccountOut
    domain: str | None
    as_of: date | None
    history: list[dict[str, Any]]


class StageDurationOut(Out):
    """Days opportunities stayed in one open stage of one pipeline."""

    connection: str | None = Field(default=None, description="The CRM connection the stage belongs to.")
    pipeline: str | None = Field(default=None, description="HubSpot pipeline id (Salesforce has one pipeline: null).")
    pipeline_label: str | None = Field(default=None, description="The pipeline's label.")
    stage: str = Field(description="The stage as the CRM names it in records (HubSpot stage id, Salesforce ApiName).")
    label: str = Field(description="The stage's label in the CRM.")
    stays: int = Field(description="Stays in the stage (a stage entered twice counts twice).")
    median_days: float | None = Field(description="Median days in the stage (fractional).")
    p90_days: float | None = Field(description="90th percentile of days in the stage (linear interpolation).")


class KpisOut(Out):
    """Portfolio KPIs of the latest scoring run, by segment when stored, and the stage durations."""

    scoring_run_id: int | None
    as_of: date | None
    portfolio: dict[str, Any]
    segments: dict[str, Any]
    warnings: int
    stage_durations: list[StageDurationOut] = Field(
        default_factory=list,
        description="Per open stage, per connection and pipeline: pipelines in their display order, stages in "
        "theirs; stages without CRM metadata last, by id.",
    )


class TokenOut(Out):
    """A token as listed (never the token itself)."""

    name: str
    role: str
    created_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(Out):
    """The new token: shown this once."""

    name: str
    role: str
    token: str


class HealthOut(Out):
    """Liveness or readiness."""

    status: str
    revision: str | None = None
    detail: str | None = None


class ReloadOut(Out):
    """The jobs in force after a config reload."""

    jobs: list[str]
