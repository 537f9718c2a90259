"""Telling a citizen that something happened in their case: SMS through Amazon SNS, e-mail through Amazon SES
(the record that keeps a burst of messages to one notice is ``dynamo.DynamoNoticeLog``).

The texts never carry health information — only that there is something to read in Nära, and where.
"""

from __future__ import annotations

import boto3


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
