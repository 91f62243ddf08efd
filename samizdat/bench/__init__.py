"""Synthetic newsrooms, the `samizdat bench` command and the Hugo export it compares with.

Nothing in the runtime apps imports this package."""
