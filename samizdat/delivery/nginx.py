"""nginx for the baked reader site, with the headers and cache rules of the Python front,
generated from the same table (`headers.py`) so the two cannot drift: the server block an
operator puts in front of the site folder (`samizdat nginx-config`), and the whole
configuration with which `samizdat serve` runs nginx itself (`--front nginx`)."""

import os
import pwd
import shutil
from pathlib import Path

from django.conf import settings

from samizdat.core.ways import onion_address

from .headers import (
    CACHE_RULES, CHARSET_TYPES, COMPRESSIBLE, CONTENT_TYPES, DEFAULT_CONTENT_TYPE, NOT_FOUND_CACHE, security_headers,
)
from .server import DYNAMIC_PATHS, DYNAMIC_PREFIXES

# Connections that may wait for the admin at once; beyond them nginx answers 503 at once,
# as the Python front does (`front.ReaderFront.queue_limit`).
ADMIN_CONNECTIONS = 64
# What Django is given for one request: an image upload is at most 8 MB
# (WAGTAILIMAGES_MAX_UPLOAD_SIZE), a form with it a little more.
MAX_BODY = "32m"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary():
    """The nginx program, or None (Debian: nginx-light)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def _quoted(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _headers(cache, indent="        "):
    # `always`: on 404s and redirects too. nginx drops a level's add_header lines when a
    # location has its own, so every location repeats the whole set.
    lines = [f"add_header Cache-Control {_quoted(cache)} always;"]
    lines += [f"add_header {name} {_quoted(value)} always;" for name, value in security_headers()]
    return "\n".join(indent + line for line in lines)


def _proxy(admin_socket):
    return "\n".join("        " + line for line in (
        f"proxy_pass http://unix:{admin_socket}:;",
        "proxy_http_version 1.0;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Samizdat-Client $remote_addr;",
        "proxy_set_header X-Samizdat-Scheme $scheme;",
        "proxy_set_header Connection \"\";",
        "proxy_read_timeout 300s;",
        f"client_max_body_size {MAX_BODY};",
        f"limit_conn samizdat_admin {ADMIN_CONNECTIONS};",
        "limit_conn_status 503;",
        "error_page 502 504 =503 @admin_unavailable;",
    ))


def _admin_locations(admin_socket):
    """Django's paths, handed to the admin server on its Unix socket. `^~`: the image and
    asset rules (regular expressions) must not take /media/ or /static/ from it. The
    client's address and scheme travel as the Python front sends them (adminproxy.py),
    always overwritten here, so a client cannot forge them."""
    proxy = _proxy(admin_socket)
    blocks = [
        "    location @admin_unavailable {\n        add_header Retry-After 5 always;\n"
        "        default_type text/plain;\n"
        '        return 503 "The admin is starting or restarting. Try again in a few seconds.\\n";\n    }',
        "    location = /admin {\n" + proxy + "\n    }",
    ]
    for prefix in DYNAMIC_PREFIXES:
        blocks.append(f"    location ^~ {prefix.decode()} {{\n{proxy}\n    }}")
    return "\n".join(blocks) + "\n"


def _dynamic_path_locations(admin_socket):
    """Reader paths Django answers (`DYNAMIC_PATHS`): a regular expression, so it comes
    before the cache rules' (nginx takes the first that matches)."""
    return f"    # answered by Django at the origin (search)\n    location ~ {_quoted(DYNAMIC_PATHS)} {{\n{_proxy(admin_socket)}\n    }}\n"


def nginx_config(*, root=None, server_name="_", listen="80", admin_socket=None):
    """The text of one nginx `server { }` block serving the site folder at `root`; with
    `admin_socket`, Django's paths (the admin, its static files, media) go to that socket."""
    root = root or settings.SAMIZDAT_SITE_DIR
    gzip_types = " ".join(t for t in COMPRESSIBLE if t != "text/html")  # text/html is always on
    charset_types = " ".join(t for t in CHARSET_TYPES if t != "text/html")  # likewise
    by_type = {}
    for extension, ctype in CONTENT_TYPES.items():
        by_type.setdefault(ctype, []).append(extension)
    types = "\n".join(f"        {ctype} {' '.join(extensions)};" for ctype, extensions in by_type.items())
    locations = []
    for what, pattern, cache in CACHE_RULES:
        if not pattern:
            continue  # the last rule is `location /` below
        locations.append(f"    # {what}\n    location ~ {_quoted(pattern)} {{\n{_headers(cache)}\n"
                         "        try_files $uri =404;\n    }")
    default_cache = CACHE_RULES[-1][2]
    onion = onion_address()
    # Tor Browser offers the onion service to readers who come over the clearnet (regenerate
    # after `samizdat onion --record`).
    onion_line = f"\n        add_header Onion-Location {_quoted(f'http://{onion}$request_uri')};" if onion else ""
    return f"""# Generated by `samizdat nginx-config` from samizdat/delivery/headers.py: the same
# headers and cache rules as `samizdat serve`. Regenerate after upgrading Samizdat.
# Terminate TLS here (listen 443 ssl; ssl_certificate …) or in front of this block.
# Put `pcre_jit on;` in nginx.conf's main context: it halves the cost of the regular
# expressions below, tried on every request (`samizdat serve` does).
server {{
    listen {listen};
    server_name {server_name};
    root {root};
    index index.html;
    server_tokens off;
    charset utf-8;
    charset_types {charset_types};
    # The site's own table of types (delivery/headers.py), not nginx's: the same as `samizdat serve`.
    default_type {DEFAULT_CONTENT_TYPE};
    types {{
{types}
    }}
    # Redirects say "/en/", never "http://host/en/" nor "//en/" (another site, to a browser).
    absolute_redirect off;
    merge_slashes on;
    gzip on;
    gzip_vary on;
    gzip_types {gzip_types};
    error_page 404 /404.html;
    # A folder without index.html (/assets/) is not a page: 404, as from `samizdat serve`.
    error_page 403 =404 /404.html;
    # A path that is not a file of the site is an answer (the 404 page), not an error to log.
    log_not_found off;

    location = /404.html {{
        internal;
{_headers(NOT_FOUND_CACHE)}
    }}
    # Hidden files (temporary files of a bake in progress) are not part of the site.
    location ~ "/\\." {{
        return 404;
    }}
{_dynamic_path_locations(admin_socket) if admin_socket else ""}{chr(10).join(locations)}
{_admin_locations(admin_socket) if admin_socket else ""}    # Pages and everything else. No try_files here: nginx's own handling of a path gives the
    # same answers (a file; a folder URL: its index.html, or 404 without one; a folder
    # without the final slash: a redirect to it; nothing: 404) without the two or three
    # extra stat() calls try_files makes for every page, which cost a fifth of the request.
    location / {{
{_headers(default_cache)}{onion_line}
    }}
}}
"""


def nginx_main_config(server_block, *, workdir, root=None, workers=1):
    """A whole nginx.conf that runs `server_block` in the foreground, its pid, log and
    temporary files in `workdir`. As root, nginx's workers would become `nobody`, who may not
    enter the site folder (`root`): they run as the folder's owner instead."""
    workdir = Path(workdir)
    user = ""
    if os.geteuid() == 0:
        owner = pwd.getpwuid(Path(root or settings.SAMIZDAT_SITE_DIR).stat().st_uid).pw_name
        user = f"user {owner};\n"
    temp = "\n    ".join(f"{kind}_temp_path {workdir / kind};" for kind in TEMP_KINDS)
    return (
        f"{user}daemon off;\nworker_processes {int(workers)};\npid {workdir / 'nginx.pid'};\n"
        "# The regular-expression locations (hidden files, the cache rules) are tried for every\n"
        "# page, twice (its folder URL, then its index.html): compiled to machine code, half the time.\n"
        "pcre_jit on;\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        "    access_log off;\n    sendfile on;\n    tcp_nopush on;\n    keepalive_requests 10000;\n"
        f"    limit_conn_zone $server_name zone=samizdat_admin:1m;\n    {temp}\n{server_block}}}\n"
    )
