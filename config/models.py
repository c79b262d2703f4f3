"""The config file's models: one YAML file describes connections, jobs, scoring and currency."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator, model_validator

from config.account_mapping import AccountMapping
from config.vocabulary import Vocabulary

CURRENCY_PATTERN = r"^[A-Z]{3}$"


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SalesforceConnection(Strict):
    """How accountsync logs in to one Salesforce org."""

    type: Literal["salesforce"] = Field(description="Connection kind: `salesforce`.")
    login_url: str = Field(
        description="OAuth login URL: https://login.salesforce.com, https://test.salesforce.com "
        "or the org's My Domain URL (client_credentials needs My Domain).",
        pattern=r"^https://",
    )
    auth: Literal["jwt", "client_credentials", "refresh_token"] = Field(
        default="jwt",
        description="OAuth grant: `jwt` (JWT bearer, RS256), `client_credentials` or `refresh_token`.",
    )
    client_id: SecretStr = Field(description="Connected app consumer key, as `${ENV_VAR}`.")
    client_secret: SecretStr | None = Field(
        default=None,
        description="Connected app consumer secret, as `${ENV_VAR}` (client_credentials, refresh_token).",
    )
    username: str | None = Field(default=None, description="Integration user's username (the JWT `sub`).")
    jwt_key_file: Path | None = Field(default=None, description="PEM file of the private key the JWT is signed with.")
    refresh_token: SecretStr | None = Field(default=None, description="Refresh token, as `${ENV_VAR}` (refresh_token).")
    audience: str | None = Field(
        default=None,
        description="JWT `aud`; defaults to the login URL (login/test or My Domain are accepted).",
    )
    api_version: str = Field(default="62.0", description="REST API version.", pattern=r"^\d{2,3}\.0$")
    ca_bundle: Path | None = Field(
        default=None,
        description="CA bundle to trust for this org (the sandbox's CA); system CAs when absent.",
    )
    integration_user_id: str | None = Field(
        default=None, description="Id of the integration user (005...), to tell our own edits from a rep's."
    )

    @model_validator(mode="after")
    def _grant_has_its_credentials(self) -> SalesforceConnection:
        needs: dict[str, tuple[str, ...]] = {
            "jwt": ("username", "jwt_key_file"),
            "client_credentials": ("client_secret",),
            "refresh_token": ("client_secret", "refresh_token"),
        }
        missing = [name for name in needs[self.auth] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"auth `{self.auth}` needs {', '.join(missing)}")
        return self


class HubSpotConnection(Strict):
    """How accountsync reaches one HubSpot account."""

    type: Literal["hubspot"] = Field(description="Connection kind: `hubspot`.")
    base_url: str = Field(default="https://api.hubapi.com", description="API base URL.", pattern=r"^https://")
    token: SecretStr = Field(description="Private app access token, as `${ENV_VAR}`.")
    ca_bundle: Path | None = Field(default=None, description="CA bundle to trust (the sandbox's CA).")
    link_property: str = Field(
        default="salesforce_account_id",
        description="Company property holding the Salesforce Account id, used to link the same company.",
    )


Connection = Annotated[SalesforceConnection | HubSpotConnection, Field(discriminator="type")]


class Source(Strict):
    """Which objects a job pulls from one connection."""

    connection: str = Field(description="Name of a connection under `connections`.")
    objects: list[str] = Field(
        min_length=1,
        description="Objects to pull: Salesforce Account, Opportunity, OpportunityHistory, OpportunityStage, "
        "OpportunityLineItem, CurrencyType, Contact, AccountContactRelation, OpportunityContactRole, "
        "AccountTeamMember, User; HubSpot companies, deals, pipelines, contacts, owners.",
    )
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Extra fields per object, intersected with describe / the properties API.",
    )


TierName = Literal["A", "B", "C", "D"]


def _tier_a() -> list[TierName]:
    return ["A"]


class TargetList(Strict):
    """A list of target accounts kept in one CRM: the accounts of the chosen tiers, or the top N by rank."""

    name: str = Field(min_length=1, max_length=200, description="The list's name in the CRM (created if missing).")
    connection: str = Field(
        description="A connection under `connections`: a HubSpot MANUAL company list, or a Salesforce Campaign "
        "of accounts (needs the org's 'Accounts as Campaign Members' setting)."
    )
    tiers: list[TierName] = Field(
        default_factory=_tier_a, description="Accounts of these tiers (latest scoring run) are members."
    )
    top: int | None = Field(default=None, ge=1, le=100_000, description="Only the best N of them by rank.")


class WritebackTarget(Strict):
    """Which figures a job writes to which fields of one CRM object."""

    connection: str = Field(description="Name of a connection under `connections`.")
    object: str = Field(description="Target object: Salesforce `Account` or HubSpot `companies`.")
    fields: dict[str, str] = Field(
        min_length=1,
        description="Figure -> CRM field, e.g. `score: AccountSync_Score__c`. Figures: score, tier, rank, "
        "reasons, arr, mrr, health, headroom, share_of_wallet, clv, fit, potential, momentum, coverage, "
        "missing_roles, single_threaded.",
    )
    create_missing_fields: bool = Field(
        default=True,
        description="Create missing target fields (HubSpot properties; Salesforce custom fields via Tooling API).",
    )
    bulk_threshold: int = Field(
        default=10_000,
        ge=1,
        description="Above this many changed records, Salesforce writes use Bulk 2.0 ingest.",
    )


Precedence = Literal["salesforce", "hubspot", "most_recent"]
OpportunityType = Literal["new_business", "expansion", "renewal", "other"]
DEFAULT_OPPORTUNITY_TYPES: dict[str, OpportunityType] = {
    "New Business": "new_business",
    "New Customer": "new_business",  # Salesforce's standard Opportunity Type picklist value for new business
    "newbusiness": "new_business",
    "Existing Customer - Upgrade": "expansion",
    "existingbusiness": "expansion",
    "Renewal": "renewal",
}


class Job(Strict):
    """One sync job: what to pull, when, within which budget, and what to write back."""

    name: str = Field(description="Unique job name.", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    sources: list[Source] = Field(min_length=1, description="Connections and objects to pull.")
    schedule: str | None = Field(default=None, description="Cron schedule (5 fields, UTC); none: manual only.")
    lookback_minutes: int = Field(
        default=10, ge=0, le=10_080, description="Re-read this many minutes before the cursor (late commits)."
    )
    bulk_threshold: int = Field(
        default=50_000, ge=1, description="Above this expected count, Salesforce pulls use Bulk API 2.0."
    )
    pull_concurrency: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Most Salesforce calls in flight when a window of more than one page (and under the Bulk "
        "threshold) is read as concurrent SystemModstamp slices, balanced by record count from the window's "
        "histogram (1-3 aggregate calls, side by side), at most 8 slices (open query cursors); fewer when the "
        "org's quota or the job's share runs low; 1 (the default) reads every window in one piece.",
    )
    sources_side_by_side: bool = Field(
        default=True,
        description="Read the job's sources (each CRM connection) at the same time, one thread each, so a pull "
        "takes as long as the slowest CRM rather than all of them in turn; each keeps its own quota, throttle "
        "and checkpoints. false: one source after another, in the order listed.",
    )
    page_size: int = Field(
        default=2000, ge=200, le=2000, description="Salesforce REST query page size (`Sforce-Query-Options` batchSize)."
    )
    api_budget_share: float = Field(
        default=0.5, gt=0, le=1, description="Share of the org's daily API quota this job may use."
    )
    writeback: list[WritebackTarget] = Field(default_factory=list, description="Fields to write back.")
    target_lists: list[TargetList] = Field(
        default_factory=list, description="Target lists kept in the CRMs (`accountsync lists publish JOB`)."
    )
    rep_owned_fields: list[str] = Field(
        default_factory=list, description="Target fields never overwritten once a person edited them."
    )
    precedence: dict[str, Precedence] = Field(
        default_factory=dict,
        description="Per account field, which CRM wins when both have a value: salesforce, hubspot, most_recent.",
    )
    default_precedence: Precedence = Field(default="salesforce", description="Precedence for unlisted fields.")
    opportunity_types: dict[str, OpportunityType] = Field(
        default_factory=lambda: dict(DEFAULT_OPPORTUNITY_TYPES),
        description="CRM opportunity type (Salesforce `Type`, HubSpot `dealtype`) -> normalised type.",
    )
    enrich: list[str] = Field(
        default_factory=list, description="Names of `enrichment` sources loaded before scoring, in order."
    )

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"not a valid cron expression: {exc}") from None
        return value


class EnrichmentSource(Strict):
    """Data that does not live in the CRM: monthly product usage, or per-account wallet and firmographics."""

    kind: Literal["usage", "accounts"] = Field(
        description="`usage`: monthly active_users / licensed_seats; `accounts`: wallet_estimate and firmographics."
    )
    file: Path | None = Field(default=None, description="CSV or Parquet file (relative to the config file).")
    format: Literal["csv", "parquet"] | None = Field(
        default=None, description="File format; taken from the file's suffix when absent."
    )
    database_url: SecretStr | None = Field(
        default=None, description="Read-only SQL source (PostgreSQL or SQLite URL), as `${ENV_VAR}`."
    )
    query: str | None = Field(default=None, description="SQL query whose columns are mapped by `columns`.")
    match_by: Literal["salesforce_id", "hubspot_id", "domain", "account_key"] = Field(
        default="domain", description="How a row finds its account: a CRM id, the company domain, or our key."
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Our column -> the source's column: match (the id/domain column), month, active_users, "
        "licensed_seats (usage); wallet_estimate, employees, annual_revenue, industry (accounts).",
    )
    precedence: dict[str, Literal["source", "crm"]] = Field(
        default_factory=dict,
        description="Per firmographic field, whether this source or the CRM wins when both have a value.",
    )

    @model_validator(mode="after")
    def _one_origin(self) -> EnrichmentSource:
        if (self.file is None) == (self.database_url is None):
            raise ValueError("give either `file` or `database_url` (with `query`)")
        if self.database_url is not None and not self.query:
            raise ValueError("a SQL source needs `query`")
        return self


class IcpRule(Strict):
    """One fit rule: points when the account matches."""

    points: float = Field(ge=0, le=100, description="Points added when the rule matches.")
    industries: list[str] | None = Field(default=None, description="Matches when the industry is in this list.")
    countries: list[str] | None = Field(default=None, description="Matches when the country is in this list.")
    min_employees: int | None = Field(default=None, ge=0, description="Lower bound of the employee band.")
    max_employees: int | None = Field(default=None, ge=0, description="Upper bound of the employee band (exclusive).")

    @model_validator(mode="after")
    def _one_criterion(self) -> IcpRule:
        given = [self.industries is not None, self.countries is not None,
                 self.min_employees is not None or self.max_employees is not None]  # fmt: skip
        if sum(given) != 1:
            raise ValueError("an ICP rule names exactly one of: industries, countries, or an employee band")
        low, high = self.min_employees, self.max_employees
        if low is not None and high is not None and low >= high:
            raise ValueError("min_employees must be below max_employees")
        return self


class ScoreWeights(Strict):
    """Weights of the account score's components (renormalised over the known ones)."""

    fit: float = Field(default=0.3, ge=0, description="Weight of fit.")
    potential: float = Field(default=0.3, ge=0, description="Weight of potential.")
    momentum: float = Field(default=0.2, ge=0, description="Weight of momentum.")
    health: float = Field(default=0.2, ge=0, description="Weight of health.")


class HealthWeights(Strict):
    """Weights of the health score's components."""

    utilisation: float = Field(default=0.4, ge=0, description="Weight of seat utilisation.")
    usage_trend: float = Field(default=0.2, ge=0, description="Weight of the 3-month usage trend.")
    renewal_proximity: float = Field(default=0.2, ge=0, description="Weight of renewal proximity.")
    engagement_recency: float = Field(default=0.2, ge=0, description="Weight of engagement recency.")


class Tiers(Strict):
    """Lowest score of each tier; below `c` is tier D."""

    a: float = Field(default=80, ge=0, le=100, description="Lowest score of tier A.")
    b: float = Field(default=60, ge=0, le=100, description="Lowest score of tier B.")
    c: float = Field(default=40, ge=0, le=100, description="Lowest score of tier C.")

    @model_validator(mode="after")
    def _descending(self) -> Tiers:
        if not self.a >= self.b >= self.c:
            raise ValueError("tier bounds must satisfy a >= b >= c")
        return self


class Scoring(Strict):
    """Scoring and KPI parameters (see spec/kpis.md)."""

    window_months: int = Field(default=12, ge=1, le=60, description="KPI window W in months, ending at T.")
    gross_margin: float = Field(default=0.8, gt=0, le=1, description="Gross margin used by CLV.")
    max_lifetime_years: float = Field(default=10, gt=0, description="Cap of the expected lifetime in CLV.")
    prospect_health: float = Field(default=50, ge=0, le=100, description="Health given to prospects.")
    weights: ScoreWeights = Field(default_factory=ScoreWeights, description="Account score weights.")
    health_weights: HealthWeights = Field(default_factory=HealthWeights, description="Health score weights.")
    tiers: Tiers = Field(default_factory=Tiers, description="Tier bounds.")
    icp: list[IcpRule] = Field(default_factory=list, description="Fit rules (points summed, clipped to 100).")
    wallet_ratios: dict[str, float] = Field(
        default_factory=dict, description="Industry -> share of annual revenue spent on our category."
    )
    account_mapping: AccountMapping = Field(
        default_factory=AccountMapping, description="Buying-committee coverage: role rules, required roles, weight."
    )


class Currency(Strict):
    """The corporate currency and the rates into it."""

    corporate: str = Field(default="USD", pattern=CURRENCY_PATTERN, description="Corporate currency (ISO 4217).")
    rates: dict[str, Decimal] = Field(
        default_factory=dict, description="Currency -> units of corporate currency per unit (e.g. EUR: 1.08)."
    )
    use_crm_rates: bool = Field(
        default=True,
        description="Also take rates from Salesforce CurrencyType when the org is multi-currency.",
    )

    @field_validator("rates")
    @classmethod
    def _rates_are_positive_iso(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in rates.items():
            if len(code) != 3 or not code.isupper():
                raise ValueError(f"`{code}` is not an ISO 4217 currency code")
            if rate <= 0:
                raise ValueError(f"rate for {code} must be positive")
        return rates


AccountKey = Annotated[str, StringConstraints(min_length=1, max_length=96)]
Cohort = Annotated[list[AccountKey], Field(min_length=1, max_length=10_000)]


class Deployment(Strict):
    """The whole deployment: one YAML file."""

    version: Literal[1] = Field(default=1, description="Config file format version.")
    connections: dict[str, Connection] = Field(min_length=1, description="Named CRM connections.")
    jobs: list[Job] = Field(min_length=1, description="Sync jobs.")
    scoring: Scoring = Field(default_factory=Scoring, description="Scoring parameters.")
    currency: Currency = Field(default_factory=Currency, description="Currency conversion.")
    enrichment: dict[str, EnrichmentSource] = Field(
        default_factory=dict, description="Named enrichment sources (usage, wallet), listed by jobs under `enrich`."
    )
    vocabulary: Vocabulary = Field(
        default_factory=Vocabulary, description="One industry vocabulary across the CRMs' picklists."
    )
    cohorts: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")], Cohort] = Field(
        default_factory=dict,
        description="Named cohorts of account keys (e.g. `pilot: [sf:001..., hs:123]`), for `kpis --cohort NAME`.",
    )
