"""Notes on a case (备注): who may write one, the @mentions in it, the note, its audit row and the
notifications of the people it mentions, in the caller's transaction."""

import re

from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.errors import InvalidInput, NotAllowed
from cases.events import case_event
from cases.models import AuditAction, Case, CaseNote, CaseParticipant, User, limits
from cases.services.audit import audit_write
from cases.transactions import in_transaction
from notifications.types import EventType

# ``@`` and a login (letters, digits and ``_ . + -``, as Django's usernames; ASCII only, so that
# "@mediator_xiangtai请看" mentions mediator_xiangtai), not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![A-Za-z0-9_.+-])@([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)")
MENTIONS_MAX = 10
NOTES_COME_WITH_A_CLAIM = _("Notes on a case are for the people working it: claim one of its steps first.")


def note_input(*, text: str) -> str:
    """The note's text, stripped: required, at most ``limits.REASON`` characters (refused, never cut)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the note."), field="note")
    if len(text) > limits.REASON:
        raise InvalidInput(
            _("A note has at most %(limit)d characters (this one has %(length)d).")
            % {"limit": limits.REASON, "length": len(text)},
            field="note",
        )
    return text


def mentioned_usernames(text: str) -> list[str]:
    """The logins a text @mentions, each once, in the order they first appear."""
    return list(dict.fromkeys(MENTION.findall(text)))


def took_part(*, case: Case, user: User) -> bool:
    return CaseParticipant.objects.filter(case=case, person=user).exists()


def mentioned_people(*, case: Case, text: str) -> list[User]:
    """The people the note @mentions, each of whom must see the case's notes (``rules.sees_notes``): an
    unknown login, or someone who may not see the case, refuses the note with a message naming them."""
    names = mentioned_usernames(text)
    if len(names) > MENTIONS_MAX:
        raise InvalidInput(
            _("A note mentions at most %(count)d people.") % {"count": MENTIONS_MAX}, field="note"
        )
    people = {
        user.username: user for user in User.objects.filter(username__in=names).select_related("unit", "pool")
    }
    participants = set(
        CaseParticipant.objects.filter(case=case, person__in=people.values()).values_list(
            "person_id", flat=True
        )
    )
    for name in names:
        person = people.get(name)
        if person is None:
            raise InvalidInput(
                _("Nobody has the login @%(name)s: nothing was written.") % {"name": name}, field="note"
            )
        if not rules.sees_notes(case, person, took_part=person.pk in participants):
            raise InvalidInput(
                _(
                    "@%(name)s (%(person)s) may not see case %(reference)s, so cannot be mentioned on it: "
                    "nothing was written."
                )
                % {"name": name, "person": str(person), "reference": case.reference},
                field="note",
            )
    return [people[name] for name in names]


@in_transaction
def note_add(*, case: Case, author: User, text: str) -> CaseNote:
    """``author`` writes a note on the case: they must see its notes (``rules.sees_notes``); the people it
    @mentions must too, and hear of it (``note.mentioned``, stored and pushed after commit). Audited."""
    if not rules.sees_notes(case, author, took_part=took_part(case=case, user=author)):
        raise NotAllowed(NOTES_COME_WITH_A_CLAIM)
    text = note_input(text=text)
    mentioned = mentioned_people(case=case, text=text)
    note = CaseNote(case=case, author=author, text=text)
    note.full_clean(exclude=["case", "author"])
    note.save()
    note.mentions.set(mentioned)
    # The row says who wrote a note and when; its text stays in the thread, for whoever sees the notes.
    audit_write(case=case, actor=author, action=AuditAction.NOTE_ADDED, name="note")
    if mentioned:
        case_event(
            type=EventType.NOTE_MENTIONED,
            case=case,
            actor=author,
            recipients=[person.pk for person in mentioned],
            params={"person": str(author)},
        )
    return note
