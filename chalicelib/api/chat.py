"""Chat routes shared by citizens and staff; scope is checked by the chat service."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import MessageList, MessageView, PostMessage
from chalicelib.api.openapi import operation

bp = Blueprint(__name__)


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
    errors=(404, 409, 413),
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
    summary="Chat history, optionally after a sequence number",
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
    messages = bootstrap.container().chat.history(who, case_id, after=after)
    return http.respond(MessageList(messages=[MessageView.of(m) for m in messages]))
