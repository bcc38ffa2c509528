"""The OpenAPI schema is valid, the docs work offline, and Schemathesis finds no 5xx and no answer that
breaks the schema, for several roles, against a real server."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from demo.lifecycles import dispute_to, help_request_to
from tests.live import asgi_server
from tests.test_live_servers import live  # noqa: F401  (the fixture)

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_the_schema_is_valid_without_a_warning(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/help-requests/" in (tmp_path / "schema.yaml").read_text()


def test_the_docs_page_needs_nothing_from_the_network(client):
    page = client.get("/api/docs/").content.decode()
    assert (
        "swagger-ui" in page
        and "http://" not in page.replace("http://testserver", "")
        and "https://" not in page
    )
    assert client.get("/api/schema/").status_code == 200


def test_schemathesis_finds_no_server_error_for_any_role(live, monkeypatch):  # noqa: F811
    dispute_to("triaged", live)
    help_request_to("dispatched", live, specialties=["legal", "tax"])
    help_request_to("claimed", live, specialties=["legal"])
    monkeypatch.setenv("API_INTAKE_RATE", "100000/min")  # fuzzing is not flooding
    with asgi_server(redis_url=settings.REDIS_URL) as server:
        for username in ("liaison", "lawyer", "mediator", "supervisor_hailing"):
            key = Token.objects.get_or_create(user=live[username])[0].key
            result = subprocess.run(
                [SCHEMATHESIS, "run", f"http://{server}/api/schema/", "-H", f"Authorization: Token {key}",
                 "-n", "10", "--checks", CHECKS, "--request-timeout", "20", "--generation-deterministic"],
                capture_output=True, text=True, timeout=240,
            )  # fmt: skip
            assert result.returncode == 0, f"{username}:\n{result.stdout[-4000:]}"
