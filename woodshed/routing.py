"""URL rules whose URL builders are compiled once per process, not once per app.

Werkzeug compiles two small Python functions for every URL rule (one builds the URL, the
other also appends unknown arguments as a query string), with `ast` and `compile()`, each
time the rule is added to an app's map: for the app's ~340 rules that is most of what
building the app costs (about 0.06 of 0.08 CPU s). A process that builds the app more than
once (a test run builds hundreds) compiled the same functions again each time.

A builder depends only on the rule's text and its parsed parts: it is kept per process
under them and bound to each new rule, as Werkzeug binds the one it compiles. A rule with
defaults (none of ours has any) is compiled as before, since a default is turned into
text by its converter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from werkzeug.routing import Rule as WerkzeugRule


class Rule(WerkzeugRule):
    _builders: ClassVar[dict[tuple[Any, ...], Callable[..., tuple[str, str]]]] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        if self.defaults:
            return super()._compile_builder(append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder
