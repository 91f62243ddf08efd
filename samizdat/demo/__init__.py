"""The demo newsroom (own texts, generated photographs) and the `samizdat demo` command.

Nothing in the runtime apps imports this package; it only reads and writes through them."""
