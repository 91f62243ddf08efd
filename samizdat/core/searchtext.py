"""The one normal form of text for search, on both sides: the static index (`samizdat.search`)
indexes normalised text and `site-search.js` normalises the query the same way
(`SEARCH_FOLDS` is the table both use; `tests/search` runs the JavaScript against it), and
the origin's search normalises its query before asking the database.

Persian is written with and without the zero-width non-joiner (U+200C) inside words
("می‌خواهم" and "میخواهم" are the same word to a reader), with Arabic or Persian yeh and kaf,
and sometimes with the tatweel (kashida) stretching a word; Russian with and without "ё".
Search engines split or keep these differently, so we remove them before either side sees
the text.
"""

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


def search_normalise(text):
    """`text` as search sees it (see the module's docstring)."""
    return text.translate(_TABLE)
