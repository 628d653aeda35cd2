"""Command-line parsers that speak German: help, usage and error messages of every command.

argparse has no German catalogue: its headings ("usage:", "options") and its errors ("the
following arguments are required") would be the only English a user of the workbench meets. Its
texts all pass through the module's `gettext` alias `argparse._`, so this parser swaps in a
German table while it builds, parses, prints help or reports an error – and only then, so that
other programs in the same process (pytest, Jupyter) keep theirs. Texts not in the table stay
as argparse has them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

#: argparse's message ids (Python 3.11–3.13) and their German texts.
GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Angaben",
    "options": "Optionen",
    "subcommands": "Befehle",
    "%(heading)s:": "%(heading)s:",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    " (default: %(default)s)": " (Standard: %(default)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: Warnung: %(message)s\n",
    "the following arguments are required: %s": "diese Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "%(value)r gibt es nicht (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "%(value)r ist kein gültiger Wert (erwartet: %(type)s)",
    "expected one argument": "erwartet einen Wert",
    "expected at most one argument": "erwartet höchstens einen Wert",
    "expected at least one argument": "erwartet mindestens einen Wert",
    "one of the arguments %s is required": "eine dieser Angaben ist nötig: %s",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "ambiguous option: %(option)s could match %(matches)s": "mehrdeutige Option %(option)s: passt zu %(matches)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "Befehl %(parser_name)r gibt es nicht (möglich: %(choices)s)",
}
#: How argparse names a value's type in "invalid … value": the converter's __name__.
TYPE_NAMES = {"int": "ganze Zahl", "float": "Zahl", "Path": "Pfad"}


def german(message: str) -> str:
    """The German text of an argparse message id (unchanged if there is none)."""
    return GERMAN.get(message, message)


@contextmanager
def speaking_german() -> Iterator[None]:
    """argparse's texts in German for the duration of the block."""
    previous = argparse._
    argparse._ = german
    try:
        yield
    finally:
        argparse._ = previous


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose help, usage and errors are German (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        with speaking_german():
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        with speaking_german():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        with speaking_german():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with speaking_german():
            return super().format_usage()

    def format_help(self) -> str:
        with speaking_german():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        """Usage and the German message on stderr, exit code 2 (as argparse)."""
        for english, name in TYPE_NAMES.items():
            message = message.replace(f"(erwartet: {english})", f"(erwartet: {name})")
        with speaking_german():
            self.print_usage(sys.stderr)
            self.exit(2, german("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})

    def add_subparsers(self, **kwargs: Any):  # noqa: ANN201 - argparse's return type is private
        kwargs.setdefault("parser_class", ArgumentParser)
        with speaking_german():
            return super().add_subparsers(**kwargs)
