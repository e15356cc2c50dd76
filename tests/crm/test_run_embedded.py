"""`make run` (bin/run_embedded.py) turns debug mode on for itself, and says so."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_embedded():
    spec = importlib.util.spec_from_file_location("run_embedded", ROOT / "bin" / "run_embedded.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_embedded_mode_runs_its_server_and_worker_with_debug_on():
    run_embedded = _run_embedded()

    environment = run_embedded.child_environment({"PATH": "/usr/bin"})

    assert environment == {"PATH": "/usr/bin", "DJANGO_DEBUG": "true"}
    assert "DJANGO_DEBUG=true" in run_embedded.DEBUG_NOTICE


def test_an_explicit_choice_in_the_environment_wins():
    run_embedded = _run_embedded()

    environment = run_embedded.child_environment({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50})

    assert environment["DJANGO_DEBUG"] == "false"


def test_the_makefile_turns_debug_on_only_where_the_environment_does_not_say():
    makefile = (ROOT / "Makefile").read_text()

    assert "export DJANGO_DEBUG ?= true" in makefile
