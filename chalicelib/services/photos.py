"""Photos a citizen attaches to a triage draft, and reading them with the case the draft became.

1. ``request_upload``: checks the type, the size and the number of photos, reserves a slot (a conditional write, so
   at most five live slots per draft however many requests race) and answers with a presigned POST for a key the
   server made.
2. The browser uploads the file straight to S3.
3. ``complete``: fetches the upload, decodes and re-encodes it (``domain.photos``), stores the photo and its
   thumbnail, records the photo, and deletes the upload. A file that is not a photo is deleted and nothing is kept.

A pending slot counts toward the limit until it expires (:data:`SLOT_LIFETIME`). Photos are added and removed only
until the draft is sent; afterwards they belong to the case. Staff read them like the case itself: access log first.

While the case is open the citizen may add more (staff ask for one from the chat): the same steps through the case
(``request_case_upload``, ``complete_case_upload``), into the same set of slots as the draft's photos, so the case
has at most five in all. A completed case photo posts a ``photo`` message in the chat, once per photo.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.adapters.dynamo import DraftRecord, DynamoCases, DynamoDrafts
from chalicelib.adapters.photos import PENDING, READY, DynamoPhotos, PhotoSlots, S3PhotoFiles, Slot, Upload
from chalicelib.domain import photos, policy
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Case, Principal, PrincipalKind
from chalicelib.domain.photos import Photo
from chalicelib.services.audit import AuditService
from chalicelib.services.chat import ChatService
from chalicelib.services.ports import Clock, IdGenerator

UPLOAD_SECONDS = 600  # the presigned POST is valid this long
SLOT_LIFETIME = timedelta(minutes=15)  # the upload's time, then time to complete it
VIEW_SECONDS = 300  # presigned GET URLs of photos and thumbnails
ATTEMPTS = 5  # conditional writes lost to a parallel request are retried from a fresh read this many times


@dataclass(frozen=True)
class UploadSlot:
    photo_id: str
    upload: Upload
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class ViewablePhoto:
    """A photo with short-lived URLs of the photo and its thumbnail."""

    photo: Photo
    url: str
    thumbnail_url: str


def _draft_not_found() -> NotFound:
    return NotFound(
        "The triage could not be found; it may have expired. Start again.",
        message_sv="Bedömningen hittades inte; den kan ha gått ut. Börja om.",
    )


def _already_sent() -> Conflict:
    return Conflict(
        "This triage was already sent; photos can no longer be added or removed.",
        message_sv="Bedömningen är redan skickad; bilder kan inte längre läggas till eller tas bort.",
    )


def _photo_not_found() -> NotFound:
    return NotFound(
        "The photo could not be found; its upload may have expired. Add the photo again.",
        field="photo_id",
        message_sv="Bilden hittades inte; uppladdningen kan ha gått ut. Lägg till bilden igen.",
    )


def _case_not_found() -> NotFound:
    return NotFound("The case could not be found.", message_sv="Ärendet hittades inte.")


def _case_closed() -> Conflict:
    return Conflict(
        "The case is closed; photos can no longer be added to it.",
        message_sv="Ärendet är avslutat; det går inte längre att lägga till bilder.",
    )


def collection_of(case: Case) -> str:
    """The set of photos a case has: its draft's (the intake's photos, then the chat's), or its own without one."""
    return case.draft_id or case.case_id


class PhotoService:
    def __init__(
        self,
        drafts: DynamoDrafts,
        cases: DynamoCases,
        records: DynamoPhotos,
        files: S3PhotoFiles,
        audit: AuditService,
        *,
        clock: Clock,
        ids: IdGenerator,
        chat: ChatService | None = None,
    ) -> None:
        self._chat = chat  # posts the chat message of a photo added to a case
        self._drafts = drafts
        self._cases = cases
        self._records = records
        self._files = files
        self._audit = audit
        self._clock = clock
        self._ids = ids

    # -- the citizen, while the triage is a draft ---------------------------------------------------------------

    def request_upload(self, principal: Principal, draft_id: str, *, content_type: str, size: int) -> UploadSlot:
        """Reserve a slot for one more photo and say where to upload it."""
        draft = self._open_draft(principal, draft_id)
        photos.check_upload_request(content_type, size, photos_in_use=0)
        return self._reserve(draft.tenant, draft.draft_id, content_type=content_type, size=size, on_case=False)

    def _reserve(self, tenant: str, collection: str, *, content_type: str, size: int, on_case: bool) -> UploadSlot:
        """A pending slot in the set (a write conditional on the slots read: at most five however many race)."""
        photo_id = self._ids()
        for attempt in range(ATTEMPTS):
            now = self._clock()
            read = self._records.slots(tenant, collection)
            live = read.live(now)  # expired pending slots are dropped with this write
            photos.check_upload_request(content_type, size, photos_in_use=len(live), on_case=on_case)
            try:
                self._records.replace_slots(read, {**live, photo_id: Slot(PENDING, now + SLOT_LIFETIME)})
                break
            except Conflict:
                if attempt == ATTEMPTS - 1:
                    raise
        upload = self._files.upload_form(
            tenant,
            collection,
            photo_id,
            content_type=content_type,
            max_bytes=photos.MAX_BYTES,
            expires_in=UPLOAD_SECONDS,
        )
        return UploadSlot(photo_id=photo_id, upload=upload, max_bytes=photos.MAX_BYTES, expires_in=UPLOAD_SECONDS)

    def complete(self, principal: Principal, draft_id: str, photo_id: str) -> ViewablePhoto:
        """Validate and attach an uploaded photo; a retry for an attached photo returns it unchanged."""
        draft = self._draft(principal, draft_id)
        existing = self._records.get(draft.tenant, draft_id, photo_id)
        if existing is not None:
            return self._viewable(existing)
        if draft.case_id is not None:
            raise _already_sent()
        return self._viewable(self._attach(draft.tenant, draft_id, photo_id, case_id=None))

    def _attach(self, tenant: str, collection: str, photo_id: str, *, case_id: str | None) -> Photo:
        """Fetch, check and re-encode the upload of a pending slot, store the files and record the photo with its
        slot made ready; the upload is deleted. A parallel complete of the same photo: the photo it recorded."""
        read = self._records.slots(tenant, collection)
        slot = read.slots.get(photo_id)
        if slot is None or not slot.live(self._clock()):
            self._files.discard_upload(tenant, collection, photo_id)
            raise _photo_not_found()
        size = self._files.upload_size(tenant, collection, photo_id)
        if size is None:
            raise Conflict(
                "The photo has not been uploaded yet; upload it, then try again.",
                field="file",
                message_sv="Bilden är inte uppladdad än; ladda upp den och försök igen.",
            )
        try:
            if size > photos.MAX_BYTES:
                raise photos.too_large(size)
            data = self._files.read_upload(tenant, collection, photo_id, max_bytes=photos.MAX_BYTES)
            processed = photos.process(data or b"")
        except ValidationFailed:
            self._files.discard_upload(tenant, collection, photo_id)
            self._release(read, photo_id)
            raise
        photo = self._store(tenant, collection, photo_id, processed, uploaded_at=self._clock(), case_id=case_id)
        for attempt in range(ATTEMPTS):
            try:
                ready = {**read.slots, photo_id: Slot(READY, photo.uploaded_at)}
                self._records.attach(read, ready, photo, tenant=tenant, source=processed.source_format)
                break
            except Conflict:
                won = self._records.get(tenant, collection, photo_id)
                if won is not None:  # a parallel complete of the same photo got there first
                    return won
                read = self._records.slots(tenant, collection)
                if photo_id not in read.slots or attempt == ATTEMPTS - 1:  # removed meanwhile
                    self._files.discard(tenant, collection, photo_id)
                    raise _photo_not_found() from None
        self._files.discard_upload(tenant, collection, photo_id)
        return photo

    def remove(self, principal: Principal, draft_id: str, photo_id: str) -> None:
        """Remove a photo (or an upload in progress) from the draft, files included; removing it again is fine."""
        draft = self._open_draft(principal, draft_id)
        for attempt in range(ATTEMPTS):
            read = self._records.slots(draft.tenant, draft_id)
            slot = read.slots.get(photo_id)
            if slot is None:
                break
            rest = {pid: s for pid, s in read.slots.items() if pid != photo_id}
            try:
                self._records.detach(read, rest, photo_id, was_ready=slot.state == READY)
                break
            except Conflict:
                if attempt == ATTEMPTS - 1:
                    raise
        # Also when the record was gone already: a removal that failed after the record still cleans up.
        self._files.discard(draft.tenant, draft_id, photo_id)

    def forget_draft(self, tenant: str, draft_id: str) -> int:
        """Delete every photo of a draft that expired without being sent (records and files); returns how many.
        Called for the draft's removal by TTL; running it again finds nothing left."""
        forgotten = 0
        for _ in range(ATTEMPTS):
            read = self._records.slots(tenant, draft_id)
            if not read.slots:
                return forgotten
            photo_id, slot = next(iter(read.slots.items()))
            rest = {pid: s for pid, s in read.slots.items() if pid != photo_id}
            try:
                self._records.detach(read, rest, photo_id, was_ready=slot.state == READY)
            except Conflict:
                continue
            self._files.discard(tenant, draft_id, photo_id)
            forgotten += 1
        return forgotten

    def of_draft(self, principal: Principal, draft_id: str) -> list[ViewablePhoto]:
        """The ready photos of one of the citizen's drafts."""
        return self.of_loaded_draft(self._draft(principal, draft_id))

    def of_loaded_draft(self, draft: DraftRecord) -> list[ViewablePhoto]:
        """The ready photos of a draft the caller already loaded for its owner (``TriageDraft.photos``)."""
        return [self._viewable(p) for p in self._records.of_draft(draft.tenant, draft.draft_id)]

    # -- with the case ------------------------------------------------------------------------------------------

    def of_case(self, principal: Principal, case_id: str) -> list[ViewablePhoto]:
        """The photos of the case (the intake's, then those added from the chat): for the patient or their guardian,
        and for staff of the case's unit, whose access is logged before anything is read. Out of scope: NotFound."""
        case = self._case_in_scope(principal, case_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "read_photos")
        return [self._viewable(p) for p in self._records.of_draft(case.tenant, collection_of(case))]

    def case_photo(self, principal: Principal, case_id: str, photo_id: str) -> ViewablePhoto:
        """One photo of the case (the chat's thumbnail), scoped and logged like :meth:`of_case`."""
        case = self._case_in_scope(principal, case_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "read_photo")
        photo = self._records.get(case.tenant, collection_of(case), photo_id)
        if photo is None:
            raise _photo_not_found()
        return self._viewable(photo)

    def request_case_upload(self, principal: Principal, case_id: str, *, content_type: str, size: int) -> UploadSlot:
        """The citizen adds a photo to their open case (asked for in the chat): a slot in the case's set."""
        case = self._citizens_open_case(principal, case_id)
        photos.check_upload_request(content_type, size, photos_in_use=0)
        return self._reserve(case.tenant, collection_of(case), content_type=content_type, size=size, on_case=True)

    def complete_case_upload(self, principal: Principal, case_id: str, photo_id: str) -> ViewablePhoto:
        """Validate and attach a photo uploaded to the case, then post it in the chat (once per photo: a retry
        returns the same photo and finds the same message)."""
        case = self._citizens_case(principal, case_id)
        collection = collection_of(case)
        photo = self._records.get(case.tenant, collection, photo_id)
        if photo is not None and photo.case_id != case.case_id:
            raise _photo_not_found()  # one of the triage's photos: shown with the case already, not in the chat
        if photo is None:
            if not case.is_open:
                self._files.discard_upload(case.tenant, collection, photo_id)  # its slot expires on its own
                raise _case_closed()
            photo = self._attach(case.tenant, collection, photo_id, case_id=case.case_id)
        if self._chat is not None and case.is_open:  # closed meanwhile: the photo stays with the case, unposted
            self._chat.post_photo(principal, case.case_id, photo.photo_id)
        return self._viewable(photo)

    # -- across regions -----------------------------------------------------------------------------------------

    def of_case_to_send(self, case: Case) -> list[tuple[Photo, bytes]]:
        """The case's photos and their stored (re-encoded) bytes, to travel with a referral to another region. The
        caller has logged the disclosure."""
        return [(p, self._files.read(p.image_key)) for p in self._records.of_draft(case.tenant, collection_of(case))]

    def keep_received(
        self,
        tenant: str,
        case_id: str,
        photo_id: str,
        processed: photos.ProcessedPhoto,
        *,
        uploaded_at: datetime,
        from_chat: bool,
    ) -> Photo:
        """A photo that came with a referral from another region, checked and re-encoded here (``photos.process``)
        as any upload is, stored with the case made of the referral (a case without a draft: the case's own set).
        Sent again: the same photo."""
        photo = self._store(
            tenant, case_id, photo_id, processed, uploaded_at=uploaded_at, case_id=case_id if from_chat else None
        )
        self._records.record(photo, tenant=tenant, source=processed.source_format)
        return photo

    # -- helpers ------------------------------------------------------------------------------------------------

    def _store(
        self,
        tenant: str,
        collection: str,
        photo_id: str,
        processed: photos.ProcessedPhoto,
        *,
        uploaded_at: datetime,
        case_id: str | None,
    ) -> Photo:
        """Store a processed photo's files in the set and the Photo that names them (not yet recorded)."""
        image_key, thumbnail_key = self._files.store(
            tenant, collection, photo_id, image=processed.image, thumbnail=processed.thumbnail
        )
        return Photo(
            photo_id=photo_id,
            draft_id=collection,
            width=processed.width,
            height=processed.height,
            image_key=image_key,
            thumbnail_key=thumbnail_key,
            uploaded_at=uploaded_at,
            case_id=case_id,
        )

    def _draft(self, principal: Principal, draft_id: str) -> DraftRecord:
        """The citizen's own draft (or their ward's); another's, or an expired one, is NotFound."""
        if principal.kind is not PrincipalKind.CITIZEN:
            raise Forbidden("Photos are attached by citizens.")
        draft = self._drafts.get(principal.tenant, principal.subject, draft_id)
        if draft is None or draft.expires_at <= self._clock():
            raise _draft_not_found()
        if draft.for_child is not None and principal.ward(draft.for_child) is None:
            raise _draft_not_found()
        return draft

    def _case_in_scope(self, principal: Principal, case_id: str) -> Case:
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise _case_not_found()
        return case

    def _citizens_case(self, principal: Principal, case_id: str) -> Case:
        if principal.kind is not PrincipalKind.CITIZEN:
            raise Forbidden("Photos are added by citizens.", message_sv="Bilder läggs till av invånaren.")
        return self._case_in_scope(principal, case_id)

    def _citizens_open_case(self, principal: Principal, case_id: str) -> Case:
        case = self._citizens_case(principal, case_id)
        if not case.is_open:
            raise _case_closed()
        return case

    def _open_draft(self, principal: Principal, draft_id: str) -> DraftRecord:
        draft = self._draft(principal, draft_id)
        if draft.case_id is not None:
            raise _already_sent()
        return draft

    def _release(self, read: PhotoSlots, photo_id: str) -> None:
        """Free a refused upload's slot; if the slots changed meanwhile it expires on its own."""
        rest = {pid: s for pid, s in read.slots.items() if pid != photo_id}
        with contextlib.suppress(Conflict):
            self._records.detach(read, rest, photo_id, was_ready=False)

    def _viewable(self, photo: Photo) -> ViewablePhoto:
        return ViewablePhoto(
            photo=photo,
            url=self._files.view_url(photo.image_key, expires_in=VIEW_SECONDS),
            thumbnail_url=self._files.view_url(photo.thumbnail_key, expires_in=VIEW_SECONDS),
        )
