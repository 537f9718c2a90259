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
    NARA_PHOTO_BUCKET        the region's photo bucket (default nara-{tenant}-photos)
    NARA_S3_PUBLIC_URL       only locally: where browsers reach S3 (the gateway's /local/s3 proxy); in AWS, S3 itself
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial

import boto3
import httpx

from chalicelib.adapters import booking as booking_records
from chalicelib.adapters import dynamo
from chalicelib.adapters import photos as photo_records
from chalicelib.adapters import stats as stats_records
from chalicelib.adapters import templates as template_records
from chalicelib.adapters import video as video_records
from chalicelib.adapters.bankid import BankIdClient
from chalicelib.adapters.interregion import PartnerKeys, RegionClient, RegionSigner, RegionVerifier
from chalicelib.adapters.notify import SesEmail, SmsProviders, SnsSms, sms_token_secret
from chalicelib.adapters.oidc import OidcClient, freja_eid_plus, siths_eid
from chalicelib.adapters.population import HttpPopulationRegister
from chalicelib.adapters.queues import SnsEventPublisher, idempotency_store
from chalicelib.adapters.ratelimit import DynamoRateLimiter
from chalicelib.adapters.sdk import share_model_loader
from chalicelib.adapters.secrets import CachedSecret
from chalicelib.adapters.tokens import SessionTokens
from chalicelib.adapters.websocket import WebSocketPusher
from chalicelib.domain.model import PrincipalKind
from chalicelib.domain.tokens import purpose_key
from chalicelib.services.admin import AdminService
from chalicelib.services.alerts import AlertService
from chalicelib.services.audit import AuditService
from chalicelib.services.booking import BookingService
from chalicelib.services.cases import CaseService
from chalicelib.services.chat import ChatService
from chalicelib.services.events import EventConsumers, EventService
from chalicelib.services.handling import HandlingService
from chalicelib.services.interregion import InterRegionService
from chalicelib.services.invites import PhoneInviteService
from chalicelib.services.login import LoginService, OidcProvider
from chalicelib.services.notify import NotificationService
from chalicelib.services.overflow import OverflowService
from chalicelib.services.photos import PhotoService
from chalicelib.services.realtime import RealtimeService
from chalicelib.services.record import RecordService
from chalicelib.services.region_admin import RegionAdminService
from chalicelib.services.sessions import SessionService
from chalicelib.services.stats import StatsService
from chalicelib.services.templates import TemplateService
from chalicelib.services.triage_session import TriageSessionService
from chalicelib.services.video import VideoService
from chalicelib.triage import Library, default_library

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


@dataclass(frozen=True)
class Container:
    settings: Settings
    sessions: SessionService
    login: LoginService
    directory: dynamo.DynamoDirectory
    audit_log: dynamo.DynamoAuditLog
    audit: AuditService
    cases: CaseService
    chat: ChatService
    handling: HandlingService
    realtime: RealtimeService
    events: EventService
    alerts: AlertService
    triage: TriageSessionService
    photos: PhotoService
    notify: NotificationService
    triage_library: Library
    templates: TemplateService
    record: RecordService
    booking: BookingService
    video: VideoService
    invites: PhoneInviteService
    admin: AdminService
    region_admin: RegionAdminService
    overflow: OverflowService
    stats: StatsService
    interregion: InterRegionService
    region_signer: RegionSigner


def consumers(built: Container) -> EventConsumers:
    """The consumers of domain events of the container, each idempotent by event id (built once, when first used)."""
    if not _consumers or _consumers[0][0] is not built:
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
    connection = dynamo.configure(
        dynamo.DynamoSettings(
            table_name=settings.table_name,
            audit_table_name=settings.audit_table_name,
            region=settings.region,
            endpoint=settings.aws_endpoint,
        )
    )
    photo_records.configure()
    template_records.configure()
    booking_records.configure()
    video_records.configure()
    case_store = dynamo.DynamoCases(connection)
    connections = dynamo.DynamoConnections()
    directory = dynamo.DynamoDirectory()
    audit_log = dynamo.DynamoAuditLog(connection)
    audit = AuditService(audit_log, clock=utc_now, ids=new_id, patient_key=settings.patient_key.encode())
    tokens = SessionTokens(tenant=settings.tenant, signing_key=settings.session_key)
    ephemeral = dynamo.DynamoEphemeral()
    session_store = dynamo.DynamoSessions()
    sessions = SessionService(session_store, ephemeral, tokens, tenant=settings.tenant, clock=utc_now, ids=new_id)
    rates = DynamoRateLimiter()  # limits: chalicelib/domain/rate_limits.py (the defaults, for every region)
    ws_endpoint = settings.ws_endpoint or "https://websocket-endpoint-not-configured.invalid"
    pusher = WebSocketPusher(endpoint=ws_endpoint, region=settings.region)
    publisher = SnsEventPublisher(
        topic_arn=settings.events_topic_arn, region=settings.region, endpoint=settings.aws_endpoint
    )
    login = LoginService(
        tenant=settings.tenant,
        sessions=sessions,
        ephemeral=ephemeral,
        directory=directory,
        patient_key=settings.patient_key.encode(),
        clock=utc_now,
        bankid_client=_bankid(settings),
        oidc=_oidc_providers(settings),
        population=HttpPopulationRegister(settings.population_register_url)
        if settings.population_register_url
        else None,
        rates=rates,
    )
    library = default_library()
    sms = SmsProviders(
        sns=SnsSms(sender_id=settings.sms_sender_id, region=settings.region, endpoint=settings.aws_endpoint)
        if settings.sms_sender_id
        else None,
        token_for=lambda tenant: CachedSecret(
            sms_token_secret(tenant), region=settings.region, endpoint=settings.aws_endpoint
        ),
    )
    chat = ChatService(case_store, connections, pusher, audit, clock=utc_now, rates=rates)
    photos = PhotoService(
        dynamo.DynamoDrafts(connection),
        case_store,
        photo_records.DynamoPhotos(connection),
        photo_records.S3PhotoFiles(
            settings.photo_bucket,
            region=settings.region,
            endpoint=settings.aws_endpoint,
            public_endpoint=settings.s3_public_url,
        ),
        audit,
        clock=utc_now,
        ids=new_id,
        chat=chat,  # a photo added to a case is posted in its chat
    )
    handling = HandlingService(case_store, directory, connections, pusher, audit, clock=utc_now)
    signer = RegionSigner(
        settings.tenant,
        CachedSecret(settings.region_key_secret_id, region=settings.region, endpoint=settings.aws_endpoint),
    )
    interregion = InterRegionService(
        case_store,
        directory,
        ephemeral,
        audit,
        handling,
        RegionClient(settings.tenant, signer, clock=utc_now),
        RegionVerifier(settings.tenant, PartnerKeys()),
        tenant=settings.tenant,
        partner_urls=settings.partner_urls,
        patient_key=settings.patient_key.encode(),
        clock=utc_now,
        ids=new_id,
    )
    invites = PhoneInviteService(
        dynamo.DynamoPhoneInvites(),
        directory,
        sms.for_region,
        clock=utc_now,
        link_key=purpose_key(settings.session_key, "nara phone invites"),
        citizen_url=f"{settings.public_origin}/citizen/",
    )
    return Container(
        settings=settings,
        triage_library=library,
        sessions=sessions,
        login=login,
        directory=directory,
        audit_log=audit_log,
        audit=audit,
        cases=CaseService(case_store, directory, dynamo.DynamoIdempotency(), audit, clock=utc_now, ids=new_id),
        chat=chat,
        handling=handling,
        alerts=AlertService(case_store, directory, connections, pusher, clock=utc_now),
        realtime=RealtimeService(connections, sessions, tenant=settings.tenant, clock=utc_now),
        events=EventService(case_store, publisher, on_draft_expired=photos.forget_draft),
        notify=NotificationService(
            case_store,
            dynamo.DynamoNoticeLog(),
            dynamo.DynamoNoticeEvents(),
            directory,
            connections,
            clock=utc_now,
            link=f"{settings.public_origin}/citizen/",
            sms=sms,
            email=SesEmail(sender=settings.email_sender, region=settings.region, endpoint=settings.aws_endpoint)
            if settings.email_sender
            else None,
        ),
        photos=photos,
        templates=TemplateService(template_records.DynamoTemplates(), directory, clock=utc_now),
        record=RecordService(case_store, directory, audit, clock=utc_now),
        booking=BookingService(
            booking_records.DynamoBookings(connection),
            case_store,
            directory,
            dynamo.DynamoIdempotency(),
            audit,
            chat,
            clock=utc_now,
        ),
        video=VideoService(
            video_records.DynamoVideo(connection),
            case_store,
            directory,
            connections,
            ephemeral,
            pusher,
            audit,
            tenant=settings.tenant,
            clock=utc_now,
            ids=new_id,
            link_key=purpose_key(settings.session_key, "nara interpreter links"),
            turn_secret=CachedSecret(settings.turn_secret_id, region=settings.region, endpoint=settings.aws_endpoint),
        ),
        triage=TriageSessionService(
            dynamo.DynamoDrafts(connection),
            directory,
            dynamo.DynamoIdempotency(),
            library,
            cases=case_store,
            clock=utc_now,
            ids=new_id,
            invites=invites,
        ),
        invites=invites,
        admin=AdminService(directory, session_store, tenant=settings.tenant, clock=utc_now, ids=new_id),
        region_admin=RegionAdminService(directory, session_store, clock=utc_now, ids=new_id),
        overflow=OverflowService(case_store, directory, dynamo.DynamoOverflowCapacity(), clock=utc_now, ids=new_id),
        stats=StatsService(
            stats_records.DynamoStats(connection, settings.table_name), case_store, audit, clock=utc_now
        ),
        interregion=interregion,
        region_signer=signer,
    )


def _bankid(settings: Settings) -> BankIdClient | None:
    if not settings.bankid_url:
        return None
    cert, key, ca = settings.bankid_cert, settings.bankid_key, settings.bankid_ca
    if not (cert or key or ca) and all(settings.bankid_secrets):
        cert, key, ca = _secret_files(settings.bankid_secrets, settings.region)
    return BankIdClient(settings.bankid_url, client_cert=cert, client_key=key, ca_bundle=ca)


def _secret_files(secret_arns: tuple[str | None, ...], region: str) -> tuple[str, ...]:
    """Writes each secret to a file only this process can read (mode 0600; /tmp in Lambda). Runs when the container
    is built, not at import: ``chalice package`` imports app.py with the stage's settings."""
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
