"""Chat routes shared by citizens and staff (messages, read receipts), and staff asking for a photo in the chat;
scope is checked by the chat service."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from chalice.app import Blueprint, Response
from pydantic import Field, StrictInt

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel, Strict
from chalicelib.api.http import Access
from chalicelib.api.models import MessageList, MessageView, PostMessage
from chalicelib.api.openapi import operation
from chalicelib.domain.model import MESSAGE_MAX

if TYPE_CHECKING:
    from chalicelib.services.chat import ReadState

bp = Blueprint(__name__)

Side = Literal["citizen", "staff"]


class MarkRead(Strict):
    seq: StrictInt = Field(ge=0, description="The highest message seq now read on the caller's side")


class ReadMarks(ApiModel):
    read: dict[Side, int] = Field(description="The highest seq each side has read (0: none)")
    read_at: dict[Side, datetime | None]

    @staticmethod
    def of(state: ReadState) -> ReadMarks:
        return ReadMarks(
            read={"citizen": state.seq["citizen"], "staff": state.seq["staff"]},
            read_at={"citizen": state.at["citizen"], "staff": state.at["staff"]},
        )


class RequestPhoto(Strict):
    client_id: str = Field(min_length=1, max_length=64, description="Client-made id; a retry never duplicates")
    text: str | None = Field(
        default=None,
        max_length=MESSAGE_MAX,
        description="Optional own words; default: Kan du skicka en bild? Använd knappen Skicka bild nedan.",
    )


@operation(
    bp,
    "/cases/{case_id}/messages",
    "POST",
    summary="Post a chat message",
    tag="chat",
    access=Access.ANY,
    request=PostMessage,
    response=MessageView,
    status=201,
    also=(200,),
    errors=(404, 409, 413, 429),
)
def post_message(case_id: str) -> Response:
    request = bp.current_request
    who = http.who()
    body = http.parse_body(PostMessage, request)
    message, created = bootstrap.container().chat.post(who, case_id, text=body.text, client_id=body.client_id)
    return http.respond(MessageView.of(message), status=201 if created else 200)


@operation(
    bp,
    "/cases/{case_id}/messages",
    "GET",
    summary="Chat history, optionally after a sequence number, with both sides' read marks",
    tag="chat",
    access=Access.ANY,
    response=MessageList,
    errors=(404,),
    query=(("after", "only messages with a higher sequence number", False),),
)
def list_messages(case_id: str) -> Response:
    request = bp.current_request
    who = http.who()
    after = http.int_query(request, "after", 0)
    history = bootstrap.container().chat.history(who, case_id, after=after)
    marks = ReadMarks.of(history.reads)
    return http.respond(
        MessageList(messages=[MessageView.of(m) for m in history.messages], read=marks.read, read_at=marks.read_at)
    )


@operation(
    bp,
    "/cases/{case_id}/read",
    "POST",
    summary="Mark the chat read up to a seq for my side (only moves forward; a retry is harmless)",
    tag="chat",
    access=Access.ANY,
    request=MarkRead,
    response=ReadMarks,
    errors=(404, 422),
)
def mark_read(case_id: str) -> Response:
    body = http.parse_body(MarkRead, bp.current_request)
    return http.respond(ReadMarks.of(bootstrap.container().chat.mark_read(http.who(), case_id, body.seq)))


@operation(
    bp,
    "/staff/cases/{case_id}/photo-request",
    "POST",
    summary="Ask the citizen for a photo in the chat (a photo_request message; logged in the access log)",
    tag="chat",
    access=Access.STAFF,
    request=RequestPhoto,
    response=MessageView,
    status=201,
    also=(200,),
    errors=(403, 404, 409),
)
def request_photo(case_id: str) -> Response:
    body = http.parse_body(RequestPhoto, bp.current_request)
    message, created = bootstrap.container().chat.request_photo(
        http.who(), case_id, client_id=body.client_id, text=body.text
    )
    return http.respond(MessageView.of(message), status=201 if created else 200)
