"""Video meetings within a case: staff start and end them and invite an interpreter (tolk); the citizen asks for
the live meeting; the interpreter exchanges a one-time link for a session that reaches that meeting only.
Signalling itself runs over the WebSocket (app.py ``ws_message`` → ``VideoService.signal``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import Unauthenticated

if TYPE_CHECKING:
    from chalicelib.domain.video import Meeting

bp = Blueprint(__name__)

INTERPRETER_HEADER = "x-interpreter-session"


class VideoMeeting(ApiModel):
    meeting_id: str
    case_id: str
    state: str = Field(description="started | ended")
    started_at: datetime
    started_by_name: str
    ended_at: datetime | None = None

    @staticmethod
    def of(meeting: Meeting) -> VideoMeeting:
        return VideoMeeting(
            meeting_id=meeting.meeting_id,
            case_id=meeting.case_id,
            state=meeting.state.value,
            started_at=meeting.started_at,
            started_by_name=meeting.started_by_name,
            ended_at=meeting.ended_at,
        )


class LiveVideo(ApiModel):
    meeting: VideoMeeting | None = Field(description="The case's live meeting, or null when there is none")


class IceServer(ApiModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = Field(default=None, description="TURN: a short-lived credential (TURN REST API)")


class IceServers(ApiModel):
    ice_servers: list[IceServer]


class InterpreterInvite(ApiModel):
    url: str = Field(description="The one-time link to give the interpreter; the token is in the fragment")
    meeting_id: str
    expires_at: datetime


class OpenInterpreterSession(ApiModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=100, description="The token from the link's fragment")


class InterpreterSessionView(ApiModel):
    session: str = Field(description=f"Send it as the {INTERPRETER_HEADER} header; reaches this meeting only")
    meeting_id: str
    expires_at: datetime


class InterpreterTicket(ApiModel):
    ticket: str = Field(description="Give it as ?ticket= when opening the WebSocket; works once, for 60 s")
    meeting_id: str
    ice_servers: list[IceServer]


@operation(
    bp,
    "/staff/cases/{case_id}/video",
    "POST",
    summary="Start the case's video meeting (Starta videomöte); the live one when it is already started",
    tag="video",
    access=Access.STAFF,
    response=VideoMeeting,
    status=201,
    errors=(403, 404, 409),
)
def start_meeting(case_id: str) -> Response:
    meeting = bootstrap.container().video.start(http.who(), case_id)
    return http.respond(VideoMeeting.of(meeting), status=201)


@operation(
    bp,
    "/staff/cases/{case_id}/video/{meeting_id}/end",
    "POST",
    summary="End the video meeting (everyone's call ends; interpreter links stop working)",
    tag="video",
    access=Access.STAFF,
    response=VideoMeeting,
    errors=(403, 404, 409),
)
def end_meeting(case_id: str, meeting_id: str) -> Response:
    meeting = bootstrap.container().video.end(http.who(), case_id, meeting_id)
    return http.respond(VideoMeeting.of(meeting))


@operation(
    bp,
    "/staff/cases/{case_id}/video/{meeting_id}/interpreter",
    "POST",
    summary="Invite an interpreter (Bjud in tolk): a one-time link to this meeting only",
    tag="video",
    access=Access.STAFF,
    response=InterpreterInvite,
    status=201,
    idempotency_key=True,
    errors=(403, 404, 409),
)
def invite_interpreter(case_id: str, meeting_id: str) -> Response:
    link = bootstrap.container().video.invite_interpreter(
        http.who(), case_id, meeting_id, idempotency_key=http.idempotency_key(bp.current_request)
    )
    url = f"{bootstrap.settings().public_origin}/shared/interpreter.html#{link.token}"
    return http.respond(InterpreterInvite(url=url, meeting_id=link.meeting_id, expires_at=link.expires_at), 201)


@operation(
    bp,
    "/citizen/cases/{case_id}/video",
    "GET",
    summary="The case's live video meeting, if any (the join prompt)",
    tag="video",
    access=Access.CITIZEN,
    response=LiveVideo,
    errors=(403, 404),
)
def live_meeting(case_id: str) -> Response:
    meeting = bootstrap.container().video.live_for_citizen(http.who(), case_id)
    return http.respond(LiveVideo(meeting=VideoMeeting.of(meeting) if meeting else None))


@operation(
    bp,
    "/video/ice-servers",
    "GET",
    summary="STUN/TURN servers for WebRTC, from the region's settings (TURN with short-lived credentials)",
    tag="video",
    access=Access.ANY,
    response=IceServers,
)
def ice_servers() -> Response:
    who = http.who()
    servers = bootstrap.container().video.ice_servers(who.tenant, who.subject)
    return http.respond(IceServers(ice_servers=[IceServer.model_validate(s) for s in servers]))


@operation(
    bp,
    "/video/interpreter/session",
    "POST",
    summary="Exchange a one-time interpreter link for a session that reaches its meeting only",
    tag="video",
    access=Access.PUBLIC,
    request=OpenInterpreterSession,
    response=InterpreterSessionView,
    status=201,
    errors=(404, 422),
)
def open_interpreter_session() -> Response:
    body = http.parse_body(OpenInterpreterSession, bp.current_request)
    opened = bootstrap.container().video.open_interpreter_session(body.token)
    view = InterpreterSessionView(session=opened.session, meeting_id=opened.meeting_id, expires_at=opened.expires_at)
    return http.respond(view, status=201)


@operation(
    bp,
    "/video/interpreter/ws-ticket",
    "POST",
    summary=f"A single-use WebSocket ticket for an interpreter session (header {INTERPRETER_HEADER})",
    tag="video",
    access=Access.PUBLIC,
    response=InterpreterTicket,
    status=201,
    errors=(401, 404),
)
def interpreter_ticket() -> Response:
    video = bootstrap.container().video
    headers: dict[str, Any] = dict(bp.current_request.headers or {})
    session = str(headers.get(INTERPRETER_HEADER, "")).strip()
    if not session:
        raise Unauthenticated("Open the interpreter link first.", message_sv="Öppna länken till videomötet först.")
    ticket, meeting_id = video.interpreter_ticket(session)
    servers = [IceServer.model_validate(s) for s in video.ice_servers(bootstrap.settings().tenant, session)]
    return http.respond(InterpreterTicket(ticket=ticket, meeting_id=meeting_id, ice_servers=servers), status=201)
