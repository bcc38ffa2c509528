"""Administrators' writes on people that the admin pages alone would not do right."""

from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from cases.models import User
from cases.transactions import command


@command
def people_tokens_revoke(*, people: QuerySet[User]) -> int:
    """Their API tokens stop working at once (programs must ask for new ones); returns how many were revoked."""
    revoked, _by_model = Token.objects.filter(user__in=people).delete()
    return revoked


@command
def people_deactivate(*, people: QuerySet[User]) -> int:
    """They can no longer sign in, take steps or be given them, and their API tokens are revoked."""
    people_tokens_revoke.within(people=people)
    return people.update(is_active=False)
