"""The one normal form of text for search, on both sides: the static index (`samizdat.search`)
indexes normalised text and `site-search.js` normalises the query the same way
(`SEARCH_FOLDS` is the table both use; `tests/search` runs the JavaScript against it), and
the origin's search normalises its query before asking the database.

Persian is written with and without the zero-width non-joiner (U+200C) inside words
("می‌خواهم" and "میخواهم" are the same word to a reader), with Arabic or Persian yeh and kaf,
and sometimes with the tatweel (kashida) stretching a word; Russian with and without "ё".
Search engines split or keep these differently, so we remove them before either side sees
the text. Where a keyboard has no ZWNJ, Persian writers type a space instead ("می خواهم",
"کتاب ها"): the prefix "می"/"نمی" and the plural suffix "ها" (with its endings) are joined
to their word (`SEARCH_JOINS`), so all three spellings meet.
"""

import re

# Character → what search sees instead ("" removes it). Kept small and explicit: the same
# table is written into the search page's JavaScript.
SEARCH_FOLDS = {
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\u00ad": "",  # soft hyphen
    "\u0640": "",  # Arabic tatweel (kashida)
    "\u064a": "\u06cc",  # Arabic yeh → Persian yeh
    "\u0649": "\u06cc",  # Arabic alef maksura → Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf → Persian keheh
    "ё": "е",
    "Ё": "Е",
}
_TABLE = str.maketrans(SEARCH_FOLDS)

# Spaces that search removes: each pattern's match is replaced by its groups, joined (the
# space between them is not in a group). Written for Python's `re` and JavaScript's RegExp
# alike (no look-behind, which older phones' browsers lack): the search page's script has
# the same list, and a browser test compares the two.
_PERSIAN_LETTER = "[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]"
SEARCH_JOINS = (
    # "می خواهم" → "میخواهم": the verbal prefix, as a word of its own, before a Persian word.
    f"(^|[^\u0600-\u06ff])(ن?می) (?={_PERSIAN_LETTER})",
    # "کتاب ها" / "کتاب های" → "کتابها" / "کتابهای": the plural suffix after a Persian word.
    f"({_PERSIAN_LETTER}) (ها(?:یشان|یمان|یتان|یی|یم|یت|یش|ی)?)(?![\u0600-\u06ff])",
)
_JOINS = tuple(re.compile(pattern) for pattern in SEARCH_JOINS)


def _joined(match):
    return "".join(group or "" for group in match.groups())


def search_normalise(text):
    """`text` as search sees it (see the module's docstring)."""
    text = text.translate(_TABLE)
    if " " in text:
        for join in _JOINS:
            text = join.sub(_joined, text)
    return text
