"""Read a rendered form the way a browser would: input values, selections, error messages."""

from __future__ import annotations

from html.parser import HTMLParser


class FormReader(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}  # element id → its text
        self.names: list[str] = []  # every named control, in order
        self._select: str | None = None
        self._option: dict | None = None
        self._textarea: str | None = None
        self._open_ids: list[tuple[str, str]] = []
        self._in_header = False  # the site header's search box is on every page; skip it
        self.feed(html)

    def _add(self, name: str, value: str | None) -> None:
        self.values.setdefault(name, [])
        if value is not None:
            self.values[name].append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "header" and "site-header" in (a.get("class") or ""):
            self._in_header = True
        if self._in_header:
            return
        if "id" in a:
            self._open_ids.append((tag, a["id"]))
            self.texts[a["id"]] = ""
        name = a.get("name")
        if tag == "input" and name:
            self.names.append(name)
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                self._add(name, a.get("value", "on") if "checked" in a else None)
            elif kind != "submit":
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self.names.append(name)
            self._select = name
            self._add(name, None)
        elif tag == "option" and self._select:
            self._option = a
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag):
        if self._in_header:
            self._in_header = tag != "header"
            return
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        if self._option is not None:
            if "selected" in self._option:
                self._add(self._select, self._option.get("value", data.strip()))
            self._option = None
        if self._textarea:
            self.values[self._textarea][-1] += data
        for _, element_id in self._open_ids:
            self.texts[element_id] += data

    def value(self, name: str) -> str | None:
        found = self.values.get(name) or []
        return found[0] if found else None

    def error(self, name: str) -> str | None:
        text = self.texts.get(f"f-{name}-error")
        return " ".join(text.split()) if text is not None else None


def read(response) -> FormReader:
    return FormReader(response.get_data(as_text=True))
