"""Telling a citizen that something happened in their case: SMS through Amazon SNS or a region's own HTTP SMS
gateway, e-mail through Amazon SES (the record that keeps a burst of messages to one notice is
``dynamo.DynamoNoticeLog``).

The texts never carry health information — only that there is something to read in Nära, and where.

The SMS provider is the region's choice (region setting ``sms_provider``): ``"sns"`` (default) or
``{"http": {"url": "https://sms.example/send"}}`` — a gateway that takes ``POST {"to": E.164, "text": ...}`` with
``Authorization: Bearer <token>``; the token is the Secrets Manager secret ``nara/<tenant>/sms/token``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import boto3
import httpx


class SnsSms:
    """Transactional SMS with Amazon SNS (the sender id shows as the sender where the operator allows it)."""

    def __init__(self, *, sender_id: str, region: str, endpoint: str | None = None) -> None:
        self._sender_id = sender_id
        self._client = boto3.client("sns", region_name=region, endpoint_url=endpoint)

    def send(self, phone_number: str, text: str) -> None:
        self._client.publish(
            PhoneNumber=phone_number,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            },
        )


class SesEmail:
    """Plain-text e-mail with Amazon SES from the region's verified sender address."""

    def __init__(self, *, sender: str, region: str, endpoint: str | None = None) -> None:
        self._sender = sender
        self._client = boto3.client("ses", region_name=region, endpoint_url=endpoint)

    def send(self, address: str, subject: str, text: str) -> None:
        self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            },
        )


class SmsSender(Protocol):
    def send(self, phone_number: str, text: str) -> None: ...


class SmsGatewayError(Exception):
    """The HTTP SMS gateway refused or could not be reached; the event is delivered again."""


class HttpSms:
    """A generic HTTP SMS gateway: ``POST {url}`` with JSON ``{to, text}`` and a bearer token read when needed."""

    def __init__(self, url: str, token: Callable[[], str], *, http: httpx.Client | None = None) -> None:
        self._url = url
        self._token = token
        self._http = http or httpx.Client(timeout=10.0)

    def send(self, phone_number: str, text: str) -> None:
        token = self._token()
        if not token:
            raise SmsGatewayError("the SMS gateway's token is not configured")
        try:
            response = self._http.post(
                self._url, json={"to": phone_number, "text": text}, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as error:
            raise SmsGatewayError(f"the SMS gateway could not be reached: {type(error).__name__}") from error
        if response.status_code >= 300:
            raise SmsGatewayError(f"the SMS gateway answered {response.status_code}")


def sms_token_secret(tenant: str) -> str:
    return f"nara/{tenant}/sms/token"


class SmsProviders:
    """The SMS sender a region chose (``sms_provider`` in its settings); None when the region sends no SMS.

    ``sns`` is the deployment's SNS sender (None when no sender id is configured); an HTTP gateway is built once
    per URL with its token from ``token_for(tenant)``.
    """

    def __init__(
        self,
        *,
        sns: SmsSender | None,
        token_for: Callable[[str], Callable[[], str]],
        http: httpx.Client | None = None,
    ) -> None:
        self._sns = sns
        self._token_for = token_for
        self._http = http
        self._gateways: dict[tuple[str, str], HttpSms] = {}

    def for_region(self, tenant: str, details: dict[str, Any]) -> SmsSender | None:
        choice = details.get("sms_provider") or "sns"
        if isinstance(choice, dict) and isinstance(choice.get("http"), dict) and choice["http"].get("url"):
            url = str(choice["http"]["url"])
            if (tenant, url) not in self._gateways:
                self._gateways[(tenant, url)] = HttpSms(url, self._token_for(tenant), http=self._http)
            return self._gateways[(tenant, url)]
        return self._sns
