"""`samizdat backup` and `samizdat restore`: everything the reader site cannot be rebuilt
without (the database, uploaded originals, keys), in one checksummed archive."""
