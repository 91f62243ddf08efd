"""The structure of a baked page without its text: one line per element, indented by depth."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Skeleton(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.lines = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        label = tag + (f"#{a['id']}" if a.get("id") else "") + "".join(f".{c}" for c in (a.get("class") or "").split())
        for key in ("lang", "dir", "role", "aria-current", "rel", "hreflang"):
            if key in a:
                label += f"[{key}={a[key]}]"
        self.lines.append("  " * self.depth + label)
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth -= 1


def skeleton(html):
    parser = _Skeleton()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"
