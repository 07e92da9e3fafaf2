"""The command line through an automatic failover: pg_auto_failover's monitor sees the primary
lost and promotes the standby by itself, and a desk's commands, given the address
`pg_autoctl show uri` prints, go on there. Until then each command is one line and exit code
2, the standby answering as a standby; after it, every event of before is there and the seqs
have no hole."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import PUBLIC_URL, Run, with_public_url
from tests.cli.test_cli_failover import assert_goes_on, no_primary
from tests.cli.test_cli_postgres import PgCli
from tests.pg_autofailover import Formation, formation  # noqa: F401  (the fixture)

# The monitor's shortened health checks (tests/pg_autofailover.py) call the primary lost
# within seconds; a minute is the whole failover's patience.
FAILOVER_PATIENCE_S = 60.0


def until_it_succeeds(cli: PgCli, *args: str) -> tuple[Run, list[Run]]:
    """The command run again and again, as a desk does, until it succeeds; the refusals."""
    refused: list[Run] = []
    deadline = time.monotonic() + FAILOVER_PATIENCE_S
    while time.monotonic() < deadline:
        result = cli.run(*args)
        if result.code == 0:
            return result, refused
        refused.append(result)
        time.sleep(0.2)
    raise AssertionError(f"no success in {FAILOVER_PATIENCE_S} s; the last: {refused[-1].err}")


@pytest.mark.slow
def test_the_cli_goes_on_at_the_standby_pg_auto_failover_promotes(
    formation: Formation,  # noqa: F811
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    cli = PgCli(formation.address, tmp_path)
    cli.ok("init", "--config", str(config))
    first, second = cli.ticket("nk-pt"), cli.ticket("nk-pt")
    assert cli.ok("call", "nk1").startswith(first)
    before = cli.events()
    primary = formation.primary()

    formation.lose(primary)
    lost = time.monotonic()

    issued, refused = until_it_succeeds(cli, "ticket", "nk-pt", "--json")
    failover_s = time.monotonic() - lost
    record_property("failover_s", round(failover_s, 1))
    print(f"first command after the primary's loss succeeded {failover_s:.1f} s after it")
    # Meanwhile the address reaches the standby, which answers as a standby; a moment when
    # neither server answers (a restart in the promotion) is one line too.
    unreachable = f"clinic-queue: The queue database at {cli.url} cannot be reached ("
    for run in refused:
        assert (run.code, run.out, len(run.err_lines)) == (2, "", 1), run.err
        assert run.err_lines == [no_primary(cli.url)] or run.err.startswith(unreachable)
    assert [no_primary(cli.url)] in [run.err_lines for run in refused]
    promoted = formation.primary()
    assert promoted.name != primary.name
    assert formation.states()[primary.name][1] == "demoted"

    assert_goes_on(cli, before, second, json.loads(issued.out)["number"])
