"""Schemathesis drives every operation of /openapi.json with generated input: no answer is a server error.

Runs on a private copy of the monitored site (tests/test_web.py: site()) with an API token, so the
generated writes reach the code behind them without touching the data other tests read.
"""

from __future__ import annotations

import sqlite3

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from test_web import Site, site

from memoryhole.app import Paths, load_settings
from memoryhole.store import Store
from memoryhole.store.users import Users
from memoryhole.web import create_app


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return site(tmp_path_factory.mktemp("web-site"))


@pytest.fixture(scope="session")
def copy_with_token(shared: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, str]:
    data = tmp_path_factory.mktemp("schema-copy")
    with (
        sqlite3.connect(shared.paths.data / "memoryhole.db") as src,
        sqlite3.connect(data / "memoryhole.db") as dst,
    ):
        src.backup(dst)
    (data / "warc").symlink_to(shared.paths.warc_dir)
    paths = Paths.resolve(data, None)
    users = Users(Store(paths.db_url).engine)
    token = users.create_token(users.add("schema", "schemathesis-pw"), "schema")
    return paths, token


def test_no_generated_request_makes_a_server_error(copy_with_token: tuple[Paths, str]) -> None:
    paths, token = copy_with_token
    # allow_private: generated homepages are not looked up in DNS (there is no network here)
    app = create_app(paths, load_settings(paths, allow_private=True))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        call()
