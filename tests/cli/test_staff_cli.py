"""`clinic-queue staff ...` in-process: accounts made, listed, disabled, reset, refused."""

from __future__ import annotations

import io

import pytest

from queue_core.staff import login, session_of
from queue_core.staff_errors import LoginRefused
from queue_core.store import Store
from tests.cli.test_cli import LOGIN, Cli, cli, prepared

__all__ = ["cli", "prepared"]  # the sample clinic's fixtures, shared with test_cli

PASSWORD = "correct horse 42"


def _with_stdin(cli: Cli, text: str, *args: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as shell:
        shell.setattr("sys.stdin", io.StringIO(text))
        result = cli.run(*args)
    return result.code, result.out, result.err


def test_staff_add_list_and_the_audit_say_who(cli: Cli) -> None:
    code, out, err = _with_stdin(
        cli,
        PASSWORD + "\n",
        "staff",
        "add",
        "wang",
        "--role",
        "desk",
        "--desks",
        "nk1,nk2",
        "--password-stdin",
    )
    assert (code, err) == (0, "") and out == "wang: desk at nk1, nk2, added\n"
    assert cli.ok("staff", "list").split() == ["wang", "desk", "nk1,nk2", "active"]
    event = cli.events()[-1]
    assert (event["type"], event["actor"]) == ("staff_added", f"host:{LOGIN}")
    assert PASSWORD not in cli.ok("events", "--json")


def test_staff_reset_and_disable_end_sessions(cli: Cli) -> None:
    _with_stdin(cli, PASSWORD + "\n", "staff", "add", "li", "--role", "triage", "--password-stdin")
    store = Store.open(cli.db)
    try:
        session = login(store, "li", PASSWORD, "10.0.0.8")
        code, out, _ = _with_stdin(
            cli, "battery staple 9\n", "staff", "reset", "li", "--password-stdin"
        )
        assert (code, out) == (0, "li: new password set, 1 session(s) ended\n")
        assert session_of(store, session.token) is None
        login(store, "li", "battery staple 9", "10.0.0.8")
        assert cli.ok("staff", "disable", "li") == "li: disabled, 1 session(s) ended\n"
        with pytest.raises(LoginRefused):
            login(store, "li", "battery staple 9", "10.0.0.8")
    finally:
        store.close()
    assert cli.ok("staff", "list").split()[-1] == "disabled"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["add", "wang", "--role", "doctor"], "role 'doctor'"),
        (["add", "wang", "--role", "desk"], "needs the desks"),
        (["add", "wang", "--role", "desk", "--desks", "nk9"], "desk 'nk9'"),
        (["add", "王 五", "--role", "admin"], "not 1 to 32 letters"),
        (["disable", "nobody"], "No staff account 'nobody'"),
    ],
)
def test_bad_staff_commands_are_one_line_exit_1(cli: Cli, args: list[str], says: str) -> None:
    seq = len(cli.events())
    code, out, err = _with_stdin(cli, PASSWORD + "\n", "staff", *args, "--password-stdin")
    if args[0] == "disable":
        code, out, err = _with_stdin(cli, "", "staff", *args)
    assert (code, out) == (1, "") and len(err.splitlines()) == 1 and says in err, err
    assert len(cli.events()) == seq


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["add", "wang", "--role", "doctor"], "role 'doctor'"),
        (["add", "wang", "--role", "desk"], "needs the desks"),
        (["add", "wang", "--role", "desk", "--desks", "nk1,nk9"], "desk 'nk9'"),
        (["add", "wang", "--role", "triage", "--desks", "nk1"], "give no --desks"),
        (["add", "王 五", "--role", "admin"], "not 1 to 32 letters"),
        (["add", "li", "--role", "admin"], "li"),
        (["reset", "nobody"], "No staff account 'nobody'"),
    ],
)
def test_bad_staff_arguments_are_refused_before_the_password_is_asked(
    cli: Cli, args: list[str], says: str
) -> None:
    _with_stdin(cli, PASSWORD + "\n", "staff", "add", "li", "--role", "triage", "--password-stdin")
    seq = len(cli.events())
    asked: list[str] = []

    def typed(prompt: str = "") -> str:
        asked.append(prompt)
        return PASSWORD

    with pytest.MonkeyPatch.context() as terminal:
        terminal.setattr("getpass.getpass", typed)
        result = cli.run("staff", *args)
    assert (result.code, result.out, asked) == (1, "", []), result.err
    assert len(result.err_lines) == 1 and says in result.err, result.err
    assert len(cli.events()) == seq


def test_staff_add_asks_the_password_twice_once_the_arguments_are_good(cli: Cli) -> None:
    asked: list[str] = []

    def typed(prompt: str = "") -> str:
        asked.append(prompt)
        return PASSWORD

    with pytest.MonkeyPatch.context() as terminal:
        terminal.setattr("getpass.getpass", typed)
        result = cli.run("staff", "add", "zhao", "--role", "admin")
    assert (result.code, result.out) == (0, "zhao: admin, added\n"), result.err
    assert asked == ["Password: ", "Again: "]


def test_staff_without_an_action_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("staff")
    assert result.code == 2 and len(result.err_lines) == 1 and "add, list" in result.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--cert", "cert.pem"], "go together"),
        (["--cert", "no.pem", "--key", "no.pem"], "cannot use"),
    ],
)
def test_serve_refuses_a_half_or_unreadable_certificate_in_one_line(
    cli: Cli, args: list[str], says: str
) -> None:
    result = cli.run("serve", "--port", "0", *args)
    assert result.code == 2 and len(result.err_lines) == 1 and says in result.err, result.err
