"""The composition root: the only module that reads the environment. Builds adapters and services once.

The same code runs in AWS Lambda and in the local stack; only endpoints and credentials differ. Settings:

    NARA_TENANT              the region this deployment serves (one stack per region)
    NARA_STAGE               "aws" or "local"
    AWS_REGION               AWS region
    NARA_TABLE               the tenant's main table;  NARA_AUDIT_TABLE  the access-log table
    NARA_EVENTS_TOPIC_ARN    the SNS topic domain events are published to (each consumer's queue subscribes)
    NARA_TABLE_STREAM_ARN    the main table's stream (event source of the stream handler)
    NARA_AWS_ENDPOINT        only locally: the embedded AWS endpoint
    NARA_WS_ENDPOINT         the WebSocket management API endpoint (https://{api}.execute-api.../{stage})
    NARA_SESSION_KEY         key that signs session tokens (from the secret store in AWS)
    NARA_PATIENT_KEY         key of the keyed hash that stands for a personnummer in keys
    NARA_PUBLIC_ORIGIN       where citizens and staff reach Nära (https://...); login redirects come back here
    NARA_BANKID_URL          BankID RP API base, ending in /rp/v6.0 (unset: no BankID login)
    NARA_BANKID_CERT, NARA_BANKID_KEY, NARA_BANKID_CA   PEM files of the RP certificate, its key and BankID's CA
    NARA_BANKID_CERT_SECRET_ARN, NARA_BANKID_KEY_SECRET_ARN, NARA_BANKID_CA_SECRET_ARN   in AWS instead: Secrets
                             Manager secrets holding those PEMs, written to files when the container is built
    NARA_FREJA_ISSUER, NARA_FREJA_CLIENT_ID, NARA_FREJA_CLIENT_SECRET   Freja eID+ (OIDC); unset: not offered
    NARA_SITHS_ISSUER, NARA_SITHS_CLIENT_ID, NARA_SITHS_CLIENT_SECRET   the region's SITHS IdP (OIDC)
    NARA_POPULATION_REGISTER_URL   custody lookups (vårdnadshavare); unset: citizens act only for themselves
    NARA_LISTING_REGISTER_URL      where residents are listed (listning); its bearer token is the secret
                             nara/{tenant}/listing/token; unset: nobody is known to be listed (docs/listing.md)
    NARA_PHOTO_BUCKET        the region's photo bucket (default nara-{tenant}-photos)
    NARA_S3_PUBLIC_URL       only locally: where browsers reach S3 (the gateway's /local/s3 proxy); in AWS, S3 itself
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from chalicelib.adapters.sdk import share_model_loader

if TYPE_CHECKING:  # the adapters and services are imported where they are built (a cold start loads what it uses)
    from chalicelib.adapters import dynamo
    from chalicelib.adapters.bankid import BankIdClient
    from chalicelib.adapters.interregion import RegionSigner
    from chalicelib.adapters.notify import SmsProviders
    from chalicelib.adapters.ratelimit import DynamoRateLimiter
    from chalicelib.adapters.session_store import DynamoEphemeral, DynamoSessions
    from chalicelib.adapters.websocket import WebSocketPusher
    from chalicelib.services.admin import AdminService
    from chalicelib.services.alerts import AlertService
    from chalicelib.services.audit import AuditService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.cases import CaseService
    from chalicelib.services.chat import ChatService
    from chalicelib.services.entry_points import EntryPointService
    from chalicelib.services.events import EventConsumers, EventService
    from chalicelib.services.handling import HandlingService
    from chalicelib.services.interregion import InterRegionService
    from chalicelib.services.invites import PhoneInviteService
    from chalicelib.services.login import LoginService, OidcProvider
    from chalicelib.services.notify import NotificationService
    from chalicelib.services.overflow import OverflowService
    from chalicelib.services.photos import PhotoService
    from chalicelib.services.ports import ListingRegister
    from chalicelib.services.realtime import RealtimeService
    from chalicelib.services.record import RecordService
    from chalicelib.services.region_admin import RegionAdminService
    from chalicelib.services.routing import RoutingService
    from chalicelib.services.sessions import SessionService
    from chalicelib.services.stats import StatsService
    from chalicelib.services.templates import TemplateService
    from chalicelib.services.triage_session import TriageSessionService
    from chalicelib.services.video import VideoService
    from chalicelib.triage import Library

T = TypeVar("T")

share_model_loader()  # botocore's JSON models are read once per process, not once per session


@dataclass(frozen=True)
class Settings:
    tenant: str
    stage: str
    region: str
    table_name: str
    audit_table_name: str
    events_topic_arn: str
    table_stream_arn: str
    aws_endpoint: str | None
    ws_endpoint: str | None
    session_key: str
    patient_key: str
    public_origin: str
    bankid_url: str | None
    bankid_cert: str | None
    bankid_key: str | None
    bankid_ca: str | None
    freja: tuple[str, str, str] | None  # issuer, client id, client secret
    siths: tuple[str, str, str] | None
    population_register_url: str | None
    # In AWS: the secrets holding the cert, key and CA PEMs (three PEMs do not fit in Lambda's 4 KB of environment).
    bankid_secrets: tuple[str | None, str | None, str | None] = (None, None, None)
    photo_bucket: str = ""
    s3_public_url: str | None = None  # locally: presigned URLs point at the gateway, so uploads are same-origin
    sms_sender_id: str | None = None  # notices by SMS (Amazon SNS) with this sender id; None: no SMS
    email_sender: str | None = None  # notices by e-mail (Amazon SES) from this verified address; None: no e-mail
    turn_secret_id: str = ""  # the Secrets Manager secret holding the TURN server's shared secret
    # Referral to another region: this region's signing key (a secret) and, per partner region, the base of its API
    # when it differs from the configuration's (NARA_PARTNER_URLS, JSON: the local stack runs partners on its ports).
    region_key_secret_id: str = ""
    partner_urls: dict[str, str] = field(default_factory=dict)
    listing_register_url: str | None = None  # the region's listing register (listning); None: not configured
    listing_token_secret_id: str = ""  # the secret holding its bearer token

    @staticmethod
    def from_environment() -> Settings:
        env = os.environ
        tenant = env.get("NARA_TENANT", "demo")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-north-1"
        return Settings(
            tenant=tenant,
            stage=env.get("NARA_STAGE", "aws"),
            region=region,
            table_name=env.get("NARA_TABLE", f"nara-{tenant}-main"),
            audit_table_name=env.get("NARA_AUDIT_TABLE", f"nara-{tenant}-audit"),
            events_topic_arn=env.get("NARA_EVENTS_TOPIC_ARN", ""),
            table_stream_arn=env.get(
                "NARA_TABLE_STREAM_ARN",
                f"arn:aws:dynamodb:{region}:000000000000:table/nara-{tenant}-main/stream/unset",
            ),
            aws_endpoint=env.get("NARA_AWS_ENDPOINT") or None,
            ws_endpoint=env.get("NARA_WS_ENDPOINT") or None,
            session_key=env.get("NARA_SESSION_KEY", ""),
            patient_key=env.get("NARA_PATIENT_KEY", ""),
            public_origin=env.get("NARA_PUBLIC_ORIGIN", "").rstrip("/"),
            bankid_url=env.get("NARA_BANKID_URL") or None,
            population_register_url=env.get("NARA_POPULATION_REGISTER_URL") or None,
            listing_register_url=env.get("NARA_LISTING_REGISTER_URL") or None,
            listing_token_secret_id=f"nara/{tenant}/listing/token",  # the data stack's secret (docs/deploy.md)
            sms_sender_id=env.get("NARA_SMS_SENDER_ID") or None,
            email_sender=env.get("NARA_EMAIL_SENDER") or None,
            bankid_cert=env.get("NARA_BANKID_CERT") or None,
            bankid_key=env.get("NARA_BANKID_KEY") or None,
            bankid_ca=env.get("NARA_BANKID_CA") or None,
            freja=_oidc_settings(
                env.get("NARA_FREJA_ISSUER"), env.get("NARA_FREJA_CLIENT_ID"), env.get("NARA_FREJA_CLIENT_SECRET")
            ),
            siths=_oidc_settings(
                env.get("NARA_SITHS_ISSUER"), env.get("NARA_SITHS_CLIENT_ID"), env.get("NARA_SITHS_CLIENT_SECRET")
            ),
            bankid_secrets=(
                env.get("NARA_BANKID_CERT_SECRET_ARN") or None,
                env.get("NARA_BANKID_KEY_SECRET_ARN") or None,
                env.get("NARA_BANKID_CA_SECRET_ARN") or None,
            ),
            photo_bucket=env.get("NARA_PHOTO_BUCKET") or f"nara-{tenant}-photos",
            s3_public_url=env.get("NARA_S3_PUBLIC_URL") or None,
            turn_secret_id=f"nara/{tenant}/turn/shared_secret",  # the data stack's secret (docs/deploy.md)
            region_key_secret_id=f"nara/{tenant}/interregion/signing_key",
            partner_urls=_partner_urls(env.get("NARA_PARTNER_URLS", "")),
        )

    def queue_of(self, consumer: str) -> str:
        """The queue a consumer of domain events reads (named as in infrastructure/definitions.py)."""
        return f"nara-{self.tenant}-{consumer}"


def _partner_urls(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    found = json.loads(raw)
    if not isinstance(found, dict):
        raise ValueError("NARA_PARTNER_URLS must be a JSON object of region -> API base URL")
    return {str(k): str(v) for k, v in found.items()}


def _oidc_settings(issuer: str | None, client_id: str | None, secret: str | None) -> tuple[str, str, str] | None:
    return (issuer, client_id, secret) if issuer and client_id and secret else None


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class _Lazy(Generic[T]):
    """A part of the container built when first used, once (also when several threads ask at once), then kept in
    the instance, where later reads find it directly."""

    def __init__(self, make: Callable[[Any], T]) -> None:
        self._make = make
        self._name = make.__name__

    @overload
    def __get__(self, container: None, owner: type) -> _Lazy[T]: ...

    @overload
    def __get__(self, container: Container, owner: type) -> T: ...

    def __get__(self, container: Container | None, owner: type) -> _Lazy[T] | T:
        if container is None:
            return self
        with container._lock:
            if self._name not in container.__dict__:
                container.__dict__[self._name] = self._make(container)
            return container.__dict__[self._name]  # type: ignore[no-any-return]


_RECORDS = ("photos", "templates", "booking", "video")  # adapter modules with pynamodb models of their own


def _records(name: str) -> Any:
    """An adapter module with models of its own, its cached connections forgotten (the table may have changed)."""
    module = importlib.import_module(f"chalicelib.adapters.{name}")
    module.configure()
    return module


class Container:
    """The adapters and services of the deployment. Each is built when first used and then reused for the life of
    the process: a request that reads a session builds the session service and one DynamoDB client, not the SNS,
    S3, Secrets Manager and SES clients, the triage library and the services of routes it does not call (Lambda's
    cold start). The same parts share the same instances as when all were built at once."""

    def __init__(self, settings: Settings) -> None:
        from chalicelib.adapters import entity  # not dynamo: a request that reads a session defines its models only

        self.settings = settings
        self._lock = threading.RLock()
        self.connection = entity.configure(
            entity.DynamoSettings(
                table_name=settings.table_name,
                audit_table_name=settings.audit_table_name,
                region=settings.region,
                endpoint=settings.aws_endpoint,
            )
        )
        for name in _RECORDS:  # already loaded by an earlier container: point them at this one's tables too
            if f"chalicelib.adapters.{name}" in sys.modules:
                _records(name)

    # --- adapters shared by several services ---

    @_Lazy
    def directory(self) -> dynamo.DynamoDirectory:
        from chalicelib.adapters import dynamo

        return dynamo.DynamoDirectory()

    @_Lazy
    def audit_log(self) -> dynamo.DynamoAuditLog:
        from chalicelib.adapters import dynamo

        return dynamo.DynamoAuditLog(self.connection)

    @_Lazy
    def _case_store(self) -> dynamo.DynamoCases:
        from chalicelib.adapters import dynamo

        return dynamo.DynamoCases(self.connection)

    @_Lazy
    def _connections(self) -> dynamo.DynamoConnections:
        from chalicelib.adapters import dynamo

        return dynamo.DynamoConnections()

    @_Lazy
    def _ephemeral(self) -> DynamoEphemeral:
        from chalicelib.adapters.session_store import DynamoEphemeral

        return DynamoEphemeral()

    @_Lazy
    def _session_store(self) -> DynamoSessions:
        from chalicelib.adapters.session_store import DynamoSessions

        return DynamoSessions()

    @_Lazy
    def _rates(self) -> DynamoRateLimiter:
        from chalicelib.adapters.ratelimit import DynamoRateLimiter

        return DynamoRateLimiter()  # limits: chalicelib/domain/rate_limits.py (the defaults, for every region)

    @_Lazy
    def _pusher(self) -> WebSocketPusher:
        from chalicelib.adapters.websocket import WebSocketPusher

        ws_endpoint = self.settings.ws_endpoint or "https://websocket-endpoint-not-configured.invalid"
        return WebSocketPusher(endpoint=ws_endpoint, region=self.settings.region)

    @_Lazy
    def _sms(self) -> SmsProviders:
        from chalicelib.adapters.notify import SmsProviders, SnsSms, sms_token_secret
        from chalicelib.adapters.secrets import CachedSecret

        s = self.settings
        return SmsProviders(
            sns=SnsSms(sender_id=s.sms_sender_id, region=s.region, endpoint=s.aws_endpoint)
            if s.sms_sender_id
            else None,
            token_for=lambda tenant: CachedSecret(sms_token_secret(tenant), region=s.region, endpoint=s.aws_endpoint),
        )

    @_Lazy
    def region_signer(self) -> RegionSigner:
        from chalicelib.adapters.interregion import RegionSigner
        from chalicelib.adapters.secrets import CachedSecret

        s = self.settings
        return RegionSigner(s.tenant, CachedSecret(s.region_key_secret_id, region=s.region, endpoint=s.aws_endpoint))

    @_Lazy
    def listing(self) -> ListingRegister:
        """The region's listing register (where a resident is listed); built when first used."""
        return listing_register(self.settings)

    @_Lazy
    def triage_library(self) -> Library:
        from chalicelib.triage import default_library

        return default_library()

    # --- services ---

    @_Lazy
    def audit(self) -> AuditService:
        from chalicelib.services.audit import AuditService

        return AuditService(self.audit_log, clock=utc_now, ids=new_id, patient_key=self.settings.patient_key.encode())

    @_Lazy
    def sessions(self) -> SessionService:
        from chalicelib.adapters.tokens import SessionTokens
        from chalicelib.services.sessions import SessionService

        s = self.settings
        tokens = SessionTokens(tenant=s.tenant, signing_key=s.session_key)
        return SessionService(self._session_store, self._ephemeral, tokens, tenant=s.tenant, clock=utc_now, ids=new_id)

    @_Lazy
    def login(self) -> LoginService:
        from chalicelib.services.login import LoginService

        s = self.settings
        population = None
        if s.population_register_url:
            from chalicelib.adapters.population import HttpPopulationRegister

            population = HttpPopulationRegister(s.population_register_url)
        return LoginService(
            tenant=s.tenant,
            sessions=self.sessions,
            ephemeral=self._ephemeral,
            directory=self.directory,
            patient_key=s.patient_key.encode(),
            clock=utc_now,
            bankid_client=_bankid(s),
            oidc=_oidc_providers(s),
            population=population,
            listing=self.listing,
            rates=self._rates,
        )

    @_Lazy
    def chat(self) -> ChatService:
        from chalicelib.services.chat import ChatService

        return ChatService(
            self._case_store, self._connections, self._pusher, self.audit, clock=utc_now, rates=self._rates
        )

    @_Lazy
    def photos(self) -> PhotoService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.photos import PhotoService

        s = self.settings
        photo_records = _records("photos")
        return PhotoService(
            dynamo.DynamoDrafts(self.connection),
            self._case_store,
            photo_records.DynamoPhotos(self.connection),
            photo_records.S3PhotoFiles(
                s.photo_bucket, region=s.region, endpoint=s.aws_endpoint, public_endpoint=s.s3_public_url
            ),
            self.audit,
            clock=utc_now,
            ids=new_id,
            chat=self.chat,  # a photo added to a case is posted in its chat
        )

    @_Lazy
    def handling(self) -> HandlingService:
        from chalicelib.services.handling import HandlingService

        return HandlingService(
            self._case_store, self.directory, self._connections, self._pusher, self.audit, clock=utc_now
        )

    @_Lazy
    def interregion(self) -> InterRegionService:
        from chalicelib.adapters.interregion import PartnerKeys, RegionClient, RegionVerifier
        from chalicelib.services.interregion import InterRegionService

        s = self.settings
        return InterRegionService(
            self._case_store,
            self.directory,
            self._ephemeral,
            self.audit,
            self.handling,
            self.photos,
            RegionClient(s.tenant, self.region_signer, clock=utc_now),
            RegionVerifier(s.tenant, PartnerKeys()),
            tenant=s.tenant,
            partner_urls=s.partner_urls,
            patient_key=s.patient_key.encode(),
            clock=utc_now,
            ids=new_id,
        )

    @_Lazy
    def invites(self) -> PhoneInviteService:
        from chalicelib.adapters import dynamo
        from chalicelib.domain.tokens import purpose_key
        from chalicelib.services.invites import PhoneInviteService

        s = self.settings
        return PhoneInviteService(
            dynamo.DynamoPhoneInvites(),
            self.directory,
            self._sms.for_region,
            clock=utc_now,
            link_key=purpose_key(s.session_key, "nara phone invites"),
            citizen_url=f"{s.public_origin}/citizen/",
        )

    @_Lazy
    def cases(self) -> CaseService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.cases import CaseService

        return CaseService(
            self._case_store, self.directory, dynamo.DynamoIdempotency(), self.audit, clock=utc_now, ids=new_id
        )

    @_Lazy
    def alerts(self) -> AlertService:
        from chalicelib.services.alerts import AlertService

        return AlertService(self._case_store, self.directory, self._connections, self._pusher, clock=utc_now)

    @_Lazy
    def realtime(self) -> RealtimeService:
        from chalicelib.services.realtime import RealtimeService

        return RealtimeService(self._connections, self.sessions, tenant=self.settings.tenant, clock=utc_now)

    @_Lazy
    def events(self) -> EventService:
        from chalicelib.adapters.queues import SnsEventPublisher
        from chalicelib.services.events import EventService

        s = self.settings
        publisher = SnsEventPublisher(topic_arn=s.events_topic_arn, region=s.region, endpoint=s.aws_endpoint)
        # the photo service (and its S3 client) is built only when a draft with photos has expired
        return EventService(self._case_store, publisher, on_draft_expired=self._forget_draft)

    def _forget_draft(self, tenant: str, draft_id: str) -> int:
        return self.photos.forget_draft(tenant, draft_id)

    @_Lazy
    def notify(self) -> NotificationService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.notify import NotificationService

        s = self.settings
        email = None
        if s.email_sender:
            from chalicelib.adapters.notify import SesEmail

            email = SesEmail(sender=s.email_sender, region=s.region, endpoint=s.aws_endpoint)
        return NotificationService(
            self._case_store,
            dynamo.DynamoNoticeLog(),
            dynamo.DynamoNoticeEvents(),
            self.directory,
            self._connections,
            clock=utc_now,
            link=f"{s.public_origin}/citizen/",
            sms=self._sms,
            email=email,
        )

    @_Lazy
    def templates(self) -> TemplateService:
        from chalicelib.services.templates import TemplateService

        return TemplateService(_records("templates").DynamoTemplates(), self.directory, clock=utc_now, ids=new_id)

    @_Lazy
    def record(self) -> RecordService:
        from chalicelib.services.record import RecordService

        return RecordService(self._case_store, self.directory, self.audit, clock=utc_now)

    @_Lazy
    def booking(self) -> BookingService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.booking import BookingService

        return BookingService(
            _records("booking").DynamoBookings(self.connection),
            self._case_store,
            self.directory,
            dynamo.DynamoIdempotency(),
            self.audit,
            self.chat,
            clock=utc_now,
        )

    @_Lazy
    def video(self) -> VideoService:
        from chalicelib.adapters.secrets import CachedSecret
        from chalicelib.domain.tokens import purpose_key
        from chalicelib.services.video import VideoService

        s = self.settings
        return VideoService(
            _records("video").DynamoVideo(self.connection),
            self._case_store,
            self.directory,
            self._connections,
            self._ephemeral,
            self._pusher,
            self.audit,
            tenant=s.tenant,
            clock=utc_now,
            ids=new_id,
            link_key=purpose_key(s.session_key, "nara interpreter links"),
            turn_secret=CachedSecret(s.turn_secret_id, region=s.region, endpoint=s.aws_endpoint),
        )

    @_Lazy
    def triage(self) -> TriageSessionService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.triage_session import TriageSessionService

        return TriageSessionService(
            dynamo.DynamoDrafts(self.connection),
            self.directory,
            dynamo.DynamoIdempotency(),
            self.triage_library,
            cases=self._case_store,
            clock=utc_now,
            ids=new_id,
            routing=self.routing,
            invites=self.invites,
        )

    @_Lazy
    def routing(self) -> RoutingService:
        from chalicelib.services.routing import RoutingService

        return RoutingService(self.directory, self._case_store)

    @_Lazy
    def admin(self) -> AdminService:
        from chalicelib.services.admin import AdminService

        return AdminService(self.directory, self._session_store, tenant=self.settings.tenant, clock=utc_now, ids=new_id)

    @_Lazy
    def region_admin(self) -> RegionAdminService:
        from chalicelib.services.region_admin import RegionAdminService

        return RegionAdminService(self.directory, self._session_store, clock=utc_now, ids=new_id)

    @_Lazy
    def entry_points(self) -> EntryPointService:
        from chalicelib.services.entry_points import EntryPointService

        citizen_url = f"{self.settings.public_origin}/citizen/"
        return EntryPointService(self.directory, self.region_admin, citizen_url=citizen_url)

    @_Lazy
    def overflow(self) -> OverflowService:
        from chalicelib.adapters import dynamo
        from chalicelib.services.overflow import OverflowService

        return OverflowService(
            self._case_store, self.directory, dynamo.DynamoOverflowCapacity(), clock=utc_now, ids=new_id
        )

    @_Lazy
    def stats(self) -> StatsService:
        from chalicelib.adapters.stats import DynamoStats
        from chalicelib.services.stats import StatsService

        return StatsService(
            DynamoStats(self.connection, self.settings.table_name), self._case_store, self.audit, clock=utc_now
        )


def consumers(built: Container) -> EventConsumers:
    """The consumers of domain events of the container, each idempotent by event id (built once, when first used)."""
    if not _consumers or _consumers[0][0] is not built:
        from chalicelib.adapters.queues import idempotency_store
        from chalicelib.services.events import EventConsumers

        s = built.settings
        handlers = {
            "timeline": built.events.record_on_timeline,
            "notify": built.notify.on_event,
            "alerts": built.alerts.on_event,
            "stats": built.stats.on_event,
            "interregion": built.interregion.on_event,
        }
        store = partial(idempotency_store, table_name=s.table_name, region=s.region, endpoint=s.aws_endpoint)
        _consumers[:] = [(built, EventConsumers(handlers, lambda name: store(tenant=s.tenant, consumer=name)))]
    return _consumers[0][1]


_consumers: list[tuple[Container, EventConsumers]] = []


def build(settings: Settings) -> Container:
    """The container of these settings; its parts are built when first used."""
    return Container(settings)


def listing_register(settings: Settings) -> ListingRegister:
    """The listing register of these settings: over HTTP with the token secret when NARA_LISTING_REGISTER_URL is set,
    else one that knows nobody (the caller routes without it). Nothing is asked, and httpx is not imported, until
    the first ``listed_unit``."""
    from chalicelib.adapters.listing import HttpListingRegister, NullListingRegister

    if not settings.listing_register_url:
        return NullListingRegister()
    from chalicelib.adapters.secrets import CachedSecret

    token = CachedSecret(settings.listing_token_secret_id, region=settings.region, endpoint=settings.aws_endpoint)
    return HttpListingRegister(settings.listing_register_url, token)


def _bankid(settings: Settings) -> BankIdClient | None:
    if not settings.bankid_url:
        return None
    cert, key, ca = settings.bankid_cert, settings.bankid_key, settings.bankid_ca
    if not (cert or key or ca) and all(settings.bankid_secrets):
        cert, key, ca = _secret_files(settings.bankid_secrets, settings.region)
    from chalicelib.adapters.bankid import BankIdClient

    return BankIdClient(settings.bankid_url, client_cert=cert, client_key=key, ca_bundle=ca)


def _secret_files(secret_arns: tuple[str | None, ...], region: str) -> tuple[str, ...]:
    """Writes each secret to a file only this process can read (mode 0600; /tmp in Lambda). Runs when the container
    is built, not at import: ``chalice package`` imports app.py with the stage's settings."""
    import boto3

    client = boto3.session.Session().client("secretsmanager", region_name=region)
    paths = []
    for arn in secret_arns:
        fd, path = tempfile.mkstemp(prefix="nara-", suffix=".pem")
        with os.fdopen(fd, "w") as file:
            file.write(client.get_secret_value(SecretId=arn)["SecretString"])
        paths.append(path)
    return tuple(paths)


def _oidc_providers(settings: Settings) -> dict[str, OidcProvider]:
    providers: dict[str, OidcProvider] = {}
    if settings.freja is None and settings.siths is None:
        return providers
    import httpx

    from chalicelib.adapters.oidc import OidcClient, freja_eid_plus, siths_eid
    from chalicelib.domain.model import PrincipalKind
    from chalicelib.services.login import OidcProvider

    origin = settings.public_origin
    for name, preset, kind, frontend, configured in (
        ("freja", freja_eid_plus, PrincipalKind.CITIZEN, "citizen", settings.freja),
        ("siths", siths_eid, PrincipalKind.STAFF, "staff", settings.siths),
    ):
        if configured is None:
            continue
        issuer, client_id, secret = configured
        config = preset(
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            redirect_uri=f"{origin}/api/auth/oidc/{name}/callback",
        )
        client = OidcClient(config, httpx.Client(timeout=10.0, follow_redirects=False))
        providers[name] = OidcProvider(name, kind, client, f"{origin}/{frontend}/")
    return providers


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_environment()


@lru_cache(maxsize=1)
def container() -> Container:
    """Built on first use (Lambda cold start), then reused for the life of the process."""
    return build(settings())
