"""An administrator revokes a person's API tokens; deactivating a person revokes them too."""

import json

from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import User


def token_works(key: str) -> bool:
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/notifications/").status_code == 200


def test_the_admin_revokes_tokens_and_deactivation_revokes_them(people):
    lawyer, lawyer2 = people["lawyer"], people["lawyer2"]
    keys = {user.username: Token.objects.create(user=user).key for user in (lawyer, lawyer2)}
    assert all(token_works(key) for key in keys.values())
    admin = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    admin.force_login(people["admin"])

    response = admin.post(
        "/admin/cases/user/", {"action": "revoke_tokens", "_selected_action": [lawyer.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not token_works(keys["lawyer"]) and token_works(keys["lawyer2"])
    assert User.objects.get(pk=lawyer.pk).is_active  # revoked, not deactivated

    response = admin.post(
        "/admin/cases/user/", {"action": "deactivate", "_selected_action": [lawyer2.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not token_works(keys["lawyer2"])
    assert not User.objects.get(pk=lawyer2.pk).is_active
    assert not Token.objects.filter(user=lawyer2).exists()
    # and a program can no longer ask for a new one
    response = Client().post(
        "/api/v1/auth/token/",
        json.dumps({"username": "lawyer2", "password": "tongxin-demo"}),
        content_type="application/json",
    )
    assert response.status_code == 400


def test_unticking_active_on_the_persons_page_revokes_their_tokens(people):
    lawyer = people["lawyer"]
    key = Token.objects.create(user=lawyer).key
    admin = Client()
    admin.force_login(people["admin"])
    page = admin.get(f"/admin/cases/user/{lawyer.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "is_active": "",
            "groups": [g.pk for g in lawyer.groups.all()],
            "unit": lawyer.unit_id,
            "pool": lawyer.pool_id,
            "date_joined_0": lawyer.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": lawyer.date_joined.strftime("%H:%M:%S"),
            "user_permissions": [],
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = admin.post(f"/admin/cases/user/{lawyer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=lawyer.pk).is_active
    assert not token_works(key)
    assert not Token.objects.filter(key=key).exists()
