"""The command line through a PostgreSQL failover: given the address of both servers, with
`target_session_attrs=read-write`, a command finds whichever one is the primary. While none
is, a command is one line and exit code 2; once the standby is promoted, the clinic goes on
there with every event of before and the seqs still without a hole."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import PUBLIC_URL, with_public_url
from tests.cli.test_cli_postgres import PgCli
from tests.pg_standby import Pair, pg_pair  # noqa: F401  (the fixture)


def test_the_cli_goes_on_at_the_promoted_standby_with_every_event_of_before(
    pg_pair: Pair,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg_pair.primary.admin("CREATE DATABASE clinic TEMPLATE template0 ENCODING 'UTF8'")
    config = tmp_path / "clinic.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    cli = PgCli(pg_pair.address("clinic"), tmp_path)
    cli.ok("init", "--config", str(config))
    first, second = cli.ticket("nk-pt"), cli.ticket("nk-pt")
    assert cli.ok("call", "nk1").startswith(first)
    before = cli.events()

    pg_pair.stop_primary()

    # The address reaches the standby, which answers as a standby: no primary takes writes.
    refused = cli.run("ticket", "nk-pt")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err_lines == [no_primary(cli.url)]
    # The standby alone, without the attribute that asks for a primary: it reads, and a
    # write is refused in one line, nothing half-applied.
    standby = PgCli(pg_pair.standby.url("clinic"), tmp_path)
    assert standby.events() == before
    write = standby.run("ticket", "nk-pt")
    assert (write.code, write.out) == (2, "")
    assert write.err_lines == [no_primary(standby.url)]

    pg_pair.promote_standby()

    third = cli.ticket("nk-pt")
    cli.ok("done", "nk1")
    assert cli.ok("call", "nk1").startswith(second)
    after = cli.events()
    assert after[: len(before)] == before
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert [e["type"] for e in after[len(before) :]] == ["issue", "done", "call"]
    assert cli.waiting("nk-pt") == [third]


def no_primary(url: str) -> str:
    return (
        f"clinic-queue: The queue database at {url} takes no writes now: it is a standby, and"
        " no primary is up (a failover may be under way); nothing was changed. Try again in a"
        " moment."
    )
