import socket

import pytest
from django.core.management import CommandError, call_command


def test_serve_says_when_the_port_is_taken():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot listen on 127.0.0.1:{port}.*--port"):
            call_command("serve", port=port, no_worker=True)
