"""Schema migrations on SQLite and PostgreSQL: a new database, one an earlier release made with
``create_all`` (adopted without losing a row), repeated and concurrent runs, and the models never
drifting from the migrations."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.conversation.models import Conversation, Message, OutboxItem
from bot.core.db import (
    BASELINE_REVISION,
    MigrationError,
    current_revision,
    head_revision,
    make_engine,
    make_sessionmaker,
    migrate,
)
from bot.dossiers.models import DossierRecord
from bot.payments.models import PaymentCallback
from bot.schema import import_models, schema_differences
from tests.support.databases import PostgresServer
from tests.support.paths import ROOT

FIXTURES = Path(__file__).with_name("fixtures")
WHEN = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database(migrated=False) as url:
        yield url


def load_legacy_schema(url: str) -> None:
    """The tables exactly as the release before migrations created them (its create_all DDL)."""
    engine = make_engine(url)
    sql = (FIXTURES / f"legacy_schema_{engine.dialect.name}.sql").read_text()
    with engine.begin() as connection:
        for statement in sql.split(";\n"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    engine.dispose()


def add_rows(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        conversation = Conversation(channel="zalo", sender_id="u-1", created_at=WHEN, last_message_at=WHEN)
        session.add(conversation)
        session.flush()
        session.add_all([
            Message(conversation_id=conversation.id, direction="in", text="Cấp hộ chiếu cần gì?",
                    payload={"buttons": ["Có", "Không"]}, platform_message_id="m-1", created_at=WHEN),
            Message(conversation_id=conversation.id, direction="out", author="bot", text="Cần căn cước."),
            OutboxItem(conversation_id=conversation.id, channel="zalo", recipient_id="u-1",
                       payload={"text": "Cần căn cước."}),
            PaymentCallback(provider="vnpay", source="callback", order_id="o-1", body=b"\x00raw\xff",
                            headers={"content-type": "application/json"})])
        # Only the columns that release had: later revisions add columns the ORM would write.
        session.execute(text(
            "INSERT INTO dossiers (code, procedure_id, applicant_name, applicant_cccd, applicant_birth_date, "
            "applicant_phone, applicant_address, fields, channel, sender_id, status, submitted_at, fee_due_vnd, "
            "updated_at) VALUES ('HS0000000001', 'doi-gplx', 'Nguyễn Văn An', '001099012345', :birth, "
            "'0912345678', '12 Lê Lợi', :fields, 'zalo', 'u-1', 1, :at, 135000, :at)"),
            {"birth": dt.date(1990, 5, 17), "fields": '{"hang": "B2"}', "at": WHEN})
    engine.dispose()


def assert_rows_kept(url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.sender_id == "u-1"
        assert conversation.created_at.replace(tzinfo=dt.UTC) == WHEN  # SQLite gives it back naive
        messages = session.scalars(select(Message).order_by(Message.id)).all()
        assert [m.text for m in messages] == ["Cấp hộ chiếu cần gì?", "Cần căn cước."]
        assert messages[0].payload == {"buttons": ["Có", "Không"]}
        assert session.scalars(select(OutboxItem)).one().payload == {"text": "Cần căn cước."}
        dossier = session.scalars(select(DossierRecord)).one()
        assert (dossier.applicant_name, dossier.fields) == ("Nguyễn Văn An", {"hang": "B2"})
        assert dossier.fee_due_vnd == 135000
        assert (dossier.fee_assessed_vnd, dossier.fee_explanation) == (None, "")  # filed before fees by case
        assert session.scalars(select(PaymentCallback)).one().body == b"\x00raw\xff"
    engine.dispose()


def test_a_new_database_is_migrated_to_the_latest_revision(empty_db_url: str) -> None:
    migrate(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    engine = make_engine(empty_db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables == set(import_models().tables) | {"alembic_version"}


def test_the_models_need_no_migration_that_is_not_written(empty_db_url: str) -> None:
    """What `python -m bot db check` checks: autogenerate finds nothing to add after upgrading."""
    migrate(empty_db_url)
    assert schema_differences(empty_db_url) == []


def test_upgrading_twice_changes_nothing(empty_db_url: str) -> None:
    migrate(empty_db_url)
    add_rows(empty_db_url)
    migrate(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    assert_rows_kept(empty_db_url)


def test_a_create_all_database_is_adopted_with_its_rows(empty_db_url: str) -> None:
    load_legacy_schema(empty_db_url)
    add_rows(empty_db_url)
    assert current_revision(empty_db_url) is None
    migrate(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    assert_rows_kept(empty_db_url)
    # Same constraint names as a new database (SQLite's unnamed ones were named), so no difference.
    assert schema_differences(empty_db_url) == []
    engine = make_engine(empty_db_url)
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("conversations")}
    engine.dispose()
    assert uniques == {"conversations_channel_sender_id_key"}


def test_a_database_that_is_not_the_first_revision_is_left_alone(empty_db_url: str) -> None:
    load_legacy_schema(empty_db_url)
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE ratings"))
        connection.execute(text("ALTER TABLE outbox ADD COLUMN priority INTEGER"))
    engine.dispose()
    with pytest.raises(MigrationError, match=r"missing table ratings.*outbox: unexpected column priority"):
        migrate(empty_db_url)
    assert current_revision(empty_db_url) is None


@pytest.mark.parametrize("existing", [False, True], ids=["new", "create_all"])
def test_replicas_starting_together_migrate_once(postgres_server: PostgresServer, existing: bool) -> None:
    """Four replicas migrate the same PostgreSQL database at once: the advisory lock makes them
    take turns, the first does the work, the others find it done."""
    with postgres_server.fresh_database(migrated=False) as url:
        if existing:
            load_legacy_schema(url)  # the adoption path: stamping twice would fail
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def replica() -> None:
            barrier.wait()
            try:
                migrate(url)
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=replica) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        engine = make_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
                head_revision()]
        engine.dispose()


def bot_db(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot db …` from outside the repository (the configuration is built in code)."""
    env = {**os.environ, "ASSISTANT_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", "db", *args], cwd="/", env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_db_command_upgrades_reports_and_checks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert "none" in bot_db("current", url=url).stdout
    assert bot_db("upgrade", url=url).returncode == 0
    assert bot_db("current", url=url).stdout.split()[1] == head_revision()
    assert bot_db("check", url=url).returncode == 0
    engine = make_engine(url)
    with engine.begin() as connection:  # a change made without a migration
        connection.execute(text("ALTER TABLE outbox ADD COLUMN priority INTEGER"))
    engine.dispose()
    checked = bot_db("check", url=url)
    assert checked.returncode == 1 and "priority" in checked.stderr
    assert bot_db("nonsense", url=url).returncode == 2


def test_the_first_revision_is_the_baseline() -> None:
    assert BASELINE_REVISION == "0001"
    assert head_revision() == "0002"  # dossiers keep their computed fee; a new revision moves head on
