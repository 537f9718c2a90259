"""``python -m infrastructure.local [--regions jonkoping,kalmar]``: the whole of Nära, one origin per region.

For each region named (its configuration file is ``infrastructure/regions/<tenant>.yaml``) a stack of its own:
the embedded AWS (moto server) with that tenant's resources, created from the same definitions the AWS stack uses,
the region seeded from its configuration, the event pump (a child process of its own: ``pump_process.py``), and
the API, the WebSocket endpoint and both frontends on its own port (the first region on ``--port``, the next on the
port after it, ...). Nothing is shared between
regions: tokens, keys and data of one are useless in the other, as in AWS. The first region runs in this process,
each further one in a child process. Ctrl-C stops everything.

``--faults 0.1`` makes about a tenth of the stack's AWS calls throttle, fail or time out once it is serving (the
regions' seeding is not disturbed); see ``infrastructure/local/faults.py`` and docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from chalicelib.adapters.interregion import new_signing_key
from chalicelib.adapters.listing import listing_token_secret
from chalicelib.adapters.notify import sms_token_secret
from infrastructure.definitions import TenantResources
from infrastructure.local import demo_region, pump_process
from infrastructure.local.embedded_aws import CREDENTIALS, REGION, EmbeddedAws
from infrastructure.local.faults import FaultInjector
from infrastructure.tenant_config import ConfigError, of

SWITCH_INTERVAL = 0.001  # seconds; Python's default is 0.005


class _Server(uvicorn.Server):
    """Ctrl-C (or SIGTERM) stops the stack cleanly and the launcher exits 0 (uvicorn would re-raise it)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.local", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("NARA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("NARA_PORT", "8000")))
    parser.add_argument(
        "--regions",
        default=os.environ.get("NARA_REGIONS", demo_region.TENANT),
        help="comma-separated regions, each on its own port from --port: a name (infrastructure/regions/<name>.yaml) "
        "or the path of a region's configuration file",
    )
    parser.add_argument(
        "--faults",
        type=float,
        default=float(os.environ.get("NARA_FAULTS") or 0),
        help="share (0-1) of AWS calls that throttle, fail or time out on purpose (default 0: none)",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        default=int(os.environ["NARA_FAULT_SEED"]) if os.environ.get("NARA_FAULT_SEED") else None,
        help="seed of the fault choices, to repeat a run",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.faults <= 1:
        parser.error("--faults is a share between 0 and 1, e.g. 0.1")
    faults = FaultInjector(args.faults, args.fault_seed)
    if args.faults:
        faults.install()  # before the first botocore session: every client of this process passes through it
    started = time.monotonic()
    # What AWS runs in many processes (each request's Lambda, the consumers' Lambdas, DynamoDB) runs here in one, under
    # one interpreter lock. A thread that waits for an answer (a request's worker on its AWS call, the embedded AWS on
    # the next request) waits up to the switch interval for the lock each time it wakes while another thread computes
    # (the event pump's consumers): 5 ms by default, several times per AWS call. 1 ms keeps a request's calls from
    # paying for the consumers' work (docs/benchmarks.md, the vertical slice).
    sys.setswitchinterval(SWITCH_INTERVAL)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    try:
        config = of(regions[0])
        for other in regions[1:]:
            of(other)
    except (ConfigError, IndexError) as error:
        print(f"error: {error or 'name at least one region'}", file=sys.stderr)
        return 2
    if len(regions) > 1:  # each region refers to the others at their local ports (instead of their real addresses)
        os.environ["NARA_PARTNER_URLS"] = json.dumps(
            {of(name).tenant: f"http://{args.host}:{args.port + i}/api" for i, name in enumerate(regions)}
        )
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infrastructure.local",
                "--host",
                args.host,
                "--port",
                str(args.port + i),
                "--regions",
                name,
                "--faults",
                str(args.faults),
                *(["--fault-seed", str(args.fault_seed + i)] if args.fault_seed is not None else []),
            ]
        )
        for i, name in enumerate(regions[1:], start=1)
    ]

    aws = EmbeddedAws()
    aws.start()
    created = aws.create(TenantResources(config.tenant))
    aws.client("ses").verify_email_identity(EmailAddress=config.email_sender)  # SES sends only from verified senders
    origin = f"http://{args.host}:{args.port}"
    freja_secret, siths_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    sms_token, listing_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    if config.sms.provider == "http":  # the region's own gateway: here a simulator that fills the outbox
        aws.client("secretsmanager").create_secret(Name=sms_token_secret(config.tenant), SecretString=sms_token)
    # the listing register's bearer token: a secret, as in AWS; the simulated register below expects it
    aws.client("secretsmanager").create_secret(Name=listing_token_secret(config.tenant), SecretString=listing_token)
    # the region's key signing its requests to partner regions: a secret, as in AWS (docs/referral-across-regions.md)
    aws.client("secretsmanager").create_secret(
        Name=f"nara/{config.tenant}/interregion/signing_key", SecretString=new_signing_key()
    )
    freja = config.identity.freja
    os.environ.update(
        {
            "NARA_TENANT": config.tenant,
            "NARA_STAGE": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "NARA_TABLE": created.table_name,
            "NARA_AUDIT_TABLE": created.audit_table_name,
            "NARA_EVENTS_TOPIC_ARN": created.events_topic_arn,
            "NARA_TABLE_STREAM_ARN": created.table_stream_arn,
            "NARA_AWS_ENDPOINT": aws.endpoint,
            "NARA_WS_ENDPOINT": origin,
            "NARA_SESSION_KEY": secrets.token_urlsafe(48),
            "NARA_PATIENT_KEY": secrets.token_urlsafe(48),
            "NARA_PUBLIC_ORIGIN": origin,
            "NARA_POPULATION_REGISTER_URL": f"{origin}/local/population",
            "NARA_LISTING_REGISTER_URL": f"{origin}/local/listing",
            "NARA_S3_PUBLIC_URL": f"{origin}/local/s3",
            "NARA_SMS_SENDER_ID": config.sms.sender_id,
            "NARA_EMAIL_SENDER": config.email_sender,
            "NARA_BANKID_URL": f"http://127.0.0.1:{args.port}/local/bankid/rp/v6.0",
            "NARA_FREJA_ISSUER": f"{origin}/local/freja" if freja else "",
            "NARA_FREJA_CLIENT_ID": "nara-local" if freja else "",
            "NARA_FREJA_CLIENT_SECRET": freja_secret if freja else "",
            "NARA_SITHS_ISSUER": f"{origin}/local/siths",
            "NARA_SITHS_CLIENT_ID": "nara-local",
            "NARA_SITHS_CLIENT_SECRET": siths_secret,
            "POWERTOOLS_METRICS_NAMESPACE": "Nara",
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
    )
    app_module = importlib.import_module("app")
    from chalicelib import bootstrap
    from infrastructure.local import bankid_sim, listing_sim, oidc_sim, outbox, population_sim
    from infrastructure.local.gateway import build_gateway, s3_proxy_routes

    container = bootstrap.container()
    demo_region.seed(container.directory, config, local_origin=origin)

    def config_js(request: Any) -> str:
        ws_scheme = "wss" if request.url.scheme == "https" else "ws"
        browser_config = {
            "apiBase": "/api",
            "wsUrl": f"{ws_scheme}://{request.url.netloc}/ws",
            **config.browser_settings(),
            # No real BankID app here: "BankID on this device" opens the simulator's app page instead.
            "bankidAppUrl": "/local/bankid/app",
        }
        return f"window.NARA_CONFIG = {json.dumps(browser_config, ensure_ascii=False)};\n"

    def oidc_client(secret: str, name: str) -> dict[str, dict[str, Any]]:
        callback = f"{origin}/api/auth/oidc/{name}/callback"
        return {"nara-local": {"secret": secret, "name": "Nära", "redirect_uris": [callback]}}

    simulators = [
        *outbox.routes("/local/outbox", REGION, gateway_token=sms_token),
        *s3_proxy_routes("/local/s3", aws.endpoint),
        *bankid_sim.routes("/local/bankid"),
        *population_sim.routes("/local/population"),
        *listing_sim.routes("/local/listing", config.tenant, token=listing_token),
        *faults.routes("/local/faults"),
        *oidc_sim.routes(
            "/local/freja",
            issuer=f"{origin}/local/freja",
            page=oidc_sim.FREJA_PAGE,
            clients=oidc_client(freja_secret, "freja"),
            users=oidc_sim.freja_demo_users(),
        ),
        *oidc_sim.routes(
            "/local/siths",
            issuer=f"{origin}/local/siths",
            page=oidc_sim.SITHS_PAGE,
            clients=oidc_client(siths_secret, "siths"),
            users=oidc_sim.siths_demo_users(demo_region.staff_of(config)),
        ),
    ]
    logo = config.logo_file()
    gateway = build_gateway(
        app_module,
        config_js=config_js,
        extra_routes=simulators,
        branding={config.branding.logo: logo} if config.branding.logo and logo else None,
    )

    pump_faults = Path(tempfile.gettempdir()) / f"nara-pump-faults-{os.getpid()}.json"  # what the pump injected
    if args.faults:
        faults.also_from.append(pump_faults)

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        # the event pump in a process of its own, as the consumers run in Lambdas of their own (pump_process.py)
        pump = pump_process.start(
            endpoint=aws.endpoint,
            region=REGION,
            stream_arns={created.table_stream_arn: created.table_stream_arn},
            queue_urls=created.queue_urls,
            faults=args.faults,
            fault_seed=None if args.fault_seed is None else args.fault_seed + 1000,
            faults_report=pump_faults,
        )
        if args.faults:
            faults.enable()
        print(
            f"\nNära is running ({config.name}), started in {time.monotonic() - started:.1f} s\n"
            f"  Invånare (citizen):   {origin}/citizen/\n"
            f"  Vårdpersonal (staff): {origin}/staff/\n"
            f"  API (OpenAPI):        {origin}/api/openapi.json\n"
            f"  WebSocket:            ws://{args.host}:{args.port}/ws\n"
            f"  Embedded AWS:         {aws.endpoint}\n"
            f"  Event pump:           process {pump.pid}\n"
            + (
                f"  Faults on purpose:    {args.faults:.0%} of AWS calls ({origin}/local/faults)\n"
                if args.faults
                else ""
            )
            + "Stop with Ctrl-C.\n",
            flush=True,
        )
        try:
            yield
        finally:
            pump_process.stop(pump)
            pump_faults.unlink(missing_ok=True)

    gateway.router.lifespan_context = lifespan
    server = _Server(
        uvicorn.Config(
            gateway, host=args.host, port=args.port, log_level="warning", ws="websockets-sansio", lifespan="on"
        )
    )
    try:
        server.run()
    finally:
        aws.stop()
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        print(f"Nära stopped ({config.name}).", flush=True)
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
