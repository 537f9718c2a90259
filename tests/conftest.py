"""Shared test setup: a test region in moto (in-process), and the app's settings pointing at it.

The environment is set before anything imports ``app`` or builds the container, exactly as Lambda would set it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

TEST_TENANT = "testregion"
os.environ.update(
    {
        "NARA_TENANT": TEST_TENANT,
        "NARA_STAGE": "test",
        "AWS_REGION": "eu-north-1",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "NARA_SESSION_KEY": "test-session-key-of-at-least-32-characters",
        "NARA_PATIENT_KEY": "test-patient-key",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto in-process with the test region's tables and queues, created from the shared definitions."""
    import boto3
    from moto import mock_aws

    from infrastructure.definitions import TenantResources
    from infrastructure.local.embedded_aws import create_event_fanout, transactions_as_in_dynamodb

    transactions_as_in_dynamodb()  # as the embedded AWS does them: conditions first, no table copies
    resources = TenantResources(TEST_TENANT)
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(**resources.main_table)
        ddb.create_table(**resources.audit_table)
        sqs = boto3.client("sqs")
        fanout = create_event_fanout(boto3.client("sns"), sqs, resources)
        os.environ["NARA_EVENTS_TOPIC_ARN"] = fanout.topic_arn
        yield {"dynamodb": ddb, "sqs": sqs, "fanout": fanout, "resources": resources}


@pytest.fixture
def container(aws: dict[str, Any]) -> Iterator[Any]:
    """The app's real composition root, built against moto."""
    from chalicelib import bootstrap

    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    built = bootstrap.container()
    yield built
    bootstrap.container.cache_clear()


@pytest.fixture(scope="session")
def aws_server() -> Iterator[Any]:
    """The embedded AWS of the local stack (moto's server over real HTTP), for tests with many threads."""
    from infrastructure.local.embedded_aws import EmbeddedAws

    server = EmbeddedAws()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server_container(aws_server: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The app's composition root against the embedded AWS server, in a fresh region of its own."""
    from chalicelib import bootstrap
    from infrastructure.definitions import TenantResources

    tenant = "t" + str(abs(hash(request.node.nodeid)) % 10**8)
    created = aws_server.create(TenantResources(tenant))
    monkeypatch.setenv("NARA_TENANT", tenant)
    monkeypatch.setenv("NARA_TABLE", created.table_name)
    monkeypatch.setenv("NARA_AUDIT_TABLE", created.audit_table_name)
    monkeypatch.setenv("NARA_EVENTS_TOPIC_ARN", created.events_topic_arn)
    monkeypatch.setenv("NARA_AWS_ENDPOINT", aws_server.endpoint)
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    yield bootstrap.container()
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
