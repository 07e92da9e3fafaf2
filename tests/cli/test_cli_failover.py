"""The command line through a PostgreSQL failover: given the address of both servers, with
`target_session_attrs=read-write`, a command finds whichever one is the primary. While none
is, a command is one line and exit code 2: no primary takes writes where a standby answered,
the database cannot be reached where nothing did. Once the standby is promoted, the clinic
goes on there with every event of before and the seqs still without a hole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.test_cli import PUBLIC_URL, with_public_url
from tests.cli.test_cli_postgres import PgCli
from tests.pg import PORT
from tests.pg_standby import Pair, pg_pair  # noqa: F401  (the fixture)

READ_WRITE = "&target_session_attrs=read-write"


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
    # An address that wants a primary and names only the standby: the standby answers, as one.
    only_standby = PgCli(pg_pair.standby.url("clinic") + READ_WRITE, tmp_path)
    wrong_one = only_standby.run("ticket", "nk-pt")
    assert (wrong_one.code, wrong_one.out) == (2, "")
    assert wrong_one.err_lines == [no_primary(only_standby.url)]
    assert only_standby.run("events").err_lines == [no_primary(only_standby.url)]

    pg_pair.stop_primary()

    # The address reaches the standby, which answers as a standby: no primary takes writes.
    refused = cli.run("ticket", "nk-pt")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err_lines == [no_primary(cli.url)]
    # The standby named first, the stopped primary last: a refused connection does not hide
    # that a server answered.
    reversed_hosts = PgCli(reversed_address(pg_pair, "clinic"), tmp_path)
    assert reversed_hosts.run("ticket", "nk-pt").err_lines == [no_primary(reversed_hosts.url)]
    # Only the stopped primary named: nothing answered at all.
    only_primary = PgCli(pg_pair.primary.url("clinic") + READ_WRITE, tmp_path)
    away = only_primary.run("ticket", "nk-pt")
    assert (away.code, away.out, len(away.err_lines)) == (2, "", 1)
    assert away.err.startswith(f"clinic-queue: The queue database at {only_primary.url} cannot")
    # The standby alone, without the attribute that asks for a primary: it reads, and a
    # write is refused in one line, nothing half-applied.
    standby = PgCli(pg_pair.standby.url("clinic"), tmp_path)
    assert standby.events() == before
    write = standby.run("ticket", "nk-pt")
    assert (write.code, write.out) == (2, "")
    assert write.err_lines == [no_primary(standby.url)]

    pg_pair.promote_standby()

    assert_goes_on(cli, before, second, cli.ticket("nk-pt"))


def assert_goes_on(cli: PgCli, before: list[dict[str, Any]], second: str, third: str) -> None:
    """After the promotion, with `third` issued there: nk1 finishes its patient and calls
    `second`, the log holds every event of `before` and then these, seqs 1..N."""
    cli.ok("done", "nk1")
    assert cli.ok("call", "nk1").startswith(second)
    after = cli.events()
    assert after[: len(before)] == before
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert [e["type"] for e in after[len(before) :]] == ["issue", "done", "call"]
    assert cli.waiting("nk-pt") == [third]


def reversed_address(pair: Pair, database: str) -> str:
    hosts = f"{pair.standby.socket_dir},{pair.primary.socket_dir}"
    return (
        f"postgresql://{pair.primary.user}@/{database}?host={hosts}&port={PORT},{PORT}{READ_WRITE}"
    )


def no_primary(url: str) -> str:
    return (
        f"clinic-queue: The queue database at {url} takes no writes now: it is a standby, and"
        " no primary is up (a failover may be under way); nothing was changed. Try again in a"
        " moment."
    )
