"""Typed settings from the environment; built in app factories and `main()`, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["registry", "matching", "reports", "console"]

DEFAULT_PORTS: dict[str, int] = {"registry": 8001, "matching": 8002, "reports": 8003, "console": 8000}


class Settings(BaseSettings):
    """One settings object for every process; `service` selects the owner of the tables."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    service: ServiceName = "registry"
    var_dir: Path = Path("var")
    database_url: str | None = Field(default=None, description="PostgreSQL or SQLite URL")
    nats_url: str = "nats://127.0.0.1:4223"
    nats_connect_timeout_s: float = 2.0
    # NATS credentials (none: an open broker, as CI's system NATS): a user and password, an NKey seed file or a
    # .creds file; without any of them a process beside the embedded stack's var/nats/users.json takes its admin.
    nats_user: str | None = None
    nats_password: str | None = None
    nats_nkey_seed: Path | None = None
    nats_creds: Path | None = None
    # The only reply subjects a user may subscribe to (ops/nats_users.py): _INBOX_<NATS_USER> by default; set it
    # for an NKey or .creds user (its name is not in the settings).
    nats_inbox_prefix: str | None = None
    # TLS to NATS: the CA that signed the servers' certificates, and this client's certificate and key when the
    # servers verify clients.
    nats_tls_ca: Path | None = None
    nats_tls_cert: Path | None = None
    nats_tls_key: Path | None = None
    stream_name: str = "MENTORING"
    stream_subjects: str = "mentoring.>"
    stream_replicas: int = 1
    stream_duplicate_window_s: float = 900.0

    jwt_secret: str = "dev-only-secret-change-me-in-production-0123456789"
    jwt_issuer: str = "mentoring"
    jwt_audience: str = "mentoring-api"
    jwt_ttl_s: int = 12 * 3600

    region_id: str = "default"
    region_name: str = "Демонстрационный регион"
    # The names of several regions as JSON, e.g. REGION_NAMES='{"86": "Ханты-Мансийский автономный округ — Югра"}';
    # without it every region is named REGION_NAME (an installation serves one region).
    region_names: dict[str, str] = Field(default_factory=dict)

    registry_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    reports_url: str = "http://127.0.0.1:8003"
    console_url: str = "http://127.0.0.1:8000"

    # The web console: its session cookie is signed with CONSOLE_SECRET (embedded default: generated once into
    # var/console-secret); Secure cookies behind TLS; dates shown in the region's time zone; sign-in failures
    # counted in RATELIMIT_STORAGE_URI (memory:// per process; redis://… when several console processes serve).
    console_secret: str | None = None
    console_secure_cookies: bool = False
    console_timezone: str = "Europe/Moscow"
    console_link_ttl_h: int = 72
    console_session_hours: int = 10
    ratelimit_storage_uri: str = "memory://"
    # Reminders (`mentoring remind`): mail goes through SMTP_HOST when it is set, else into the local mailbox
    # MAIL_DIR, default var/mail/ (a Maildir the console shows to the admin on «Почта»), so nothing leaves the
    # machine by default.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Наставничество <noreply@mentoring.local>"
    smtp_starttls: bool = True
    # The local mailbox (a Maildir) when SMTP_HOST is not set; default VAR_DIR/mail. Compose and Kubernetes point it at
    # a volume shared by the reminders (which write) and the console (which shows «Почта»).
    mail_dir: Path | None = None
    # The embedded stack's daily reminder process sends at this hour of CONSOLE_TIMEZONE (and once at start).
    reminders_hour: int = Field(default=7, ge=0, le=23)

    # Single sign-on through the region's OpenID provider. With OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET
    # the console offers «Войти через OIDC_PROVIDER_NAME» (authorization code with PKCE); with OIDC_ISSUER the services
    # also accept the provider's RS256 access tokens for OIDC_AUDIENCE. Role and scope come from the claims
    # OIDC_ROLE_CLAIM and OIDC_SCOPE_CLAIM (a role of the design and `kind:id`), else (console only) from the local
    # account with the provider's verified e-mail. OIDC_METADATA_URL: where this process reads the discovery document
    # when the issuer's own address is not reachable from it (a compose network).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_metadata_url: str | None = None
    oidc_audience: str = "mentoring-api"
    oidc_role_claim: str = "mentoring_role"
    oidc_scope_claim: str = "mentoring_scope"
    oidc_scopes: str = "openid email profile"
    oidc_provider_name: str = "единую учётную запись"
    # A token naming a key id the process does not know makes it fetch the provider's keys (JWKS) again, the provider
    # may have rotated them; at most once per this many seconds (a failed fetch counts): within it such a token is
    # refused (401) without asking the provider, so made-up key ids do not turn every request into a fetch.
    oidc_jwks_refetch_cooldown_s: float = Field(default=60.0, ge=0)

    relay_batch_size: int = 200
    relay_poll_interval_s: float = 0.1
    relay_publish_timeout_s: float = 5.0
    relay_max_backoff_s: float = 10.0

    consumer_batch_size: int = 100
    consumer_ack_wait_s: float = 30.0
    consumer_max_deliver: int = 20
    consumer_nak_delay_s: float = 0.5

    worker_ack_wait_s: float = 600.0
    # A run first waits until the matching read model holds every registry change committed before it was
    # requested (the registry answers each request with its position); it fails with a clear message after this.
    run_registry_wait_s: float = 300.0
    # The exact min-cost-flow backend: "auto" picks per part by size (LEMON's network simplex on the parts it is
    # faster on, OR-Tools, the reference, on the rest), or one of "ortools", "lemon" for every part.
    matching_solver: Literal["auto", "ortools", "lemon"] = "auto"
    # Parts of one region's graph solved in separate processes at once (OR-Tools and LEMON hold the GIL).
    solver_processes: int = 2
    proposal_ttl_days: int = 14
    # 152-ФЗ, ст. 5 ч. 7 and ст. 21 ч. 4: personal data are kept no longer than their purpose needs. A person
    # withdrawn from the base is pseudonymised (`mentoring retention`) once this many days have passed since the
    # withdrawal: three years cover the longest mentoring program and the half-year reports that follow it.
    personal_data_retention_days: int = Field(default=1095, ge=1)
    # Applications from the public bank (to become a mentor, to ask one): no captcha, so one address sends at most
    # this many an hour (counted in the registry's table, so every worker and replica shares the count).
    public_applications_per_hour: int = Field(default=5, ge=1)
    # Reverse proxies in front of each web process (an ingress, a load balancer) that append the client's address to
    # X-Forwarded-For and set X-Forwarded-Proto: that many are trusted. 0, the default, trusts none, so a client
    # cannot choose the address its sign-in attempts and public applications are counted by.
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # Names travel in events sealed with the services' own Fernet keys (shared/sealing.py): comma-separated, the
    # first seals, every one opens (rotation). Embedded default: a key generated once into var/personal-data-key.
    personal_data_keys: str | None = None

    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_statement_timeout_ms: int = 30_000
    sqlite_busy_timeout_ms: int = 30_000

    max_upload_bytes: int = 20 * 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file per service under `var_dir`."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.var_dir / f'{self.service}.db').resolve()}"

    def region_title(self, region_id: str) -> str:
        """A region's name for people: REGION_NAMES, else REGION_NAME for the installation's own region (or for any
        region when no names are listed), else «Регион <id>»."""
        if region_id in self.region_names:
            return self.region_names[region_id]
        if region_id == self.region_id or not self.region_names:
            return self.region_name
        return f"Регион {region_id}"

    @property
    def oidc_enabled(self) -> bool:
        """The console signs in through the provider (the services need only the issuer)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def oidc_discovery_url(self) -> str:
        """The provider's discovery document: OIDC_METADATA_URL, else `<issuer>/.well-known/openid-configuration`."""
        return self.oidc_metadata_url or f"{(self.oidc_issuer or '').rstrip('/')}/.well-known/openid-configuration"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Point plain `postgresql://` URLs at psycopg 3, the driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def load_settings(service: ServiceName | None = None, **overrides: object) -> Settings:
    """Read the environment (plus explicit overrides) into a Settings object."""
    if service is not None:
        overrides["service"] = service
    return Settings(**overrides)  # type: ignore[arg-type]
