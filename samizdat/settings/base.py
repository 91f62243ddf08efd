"""Settings shared by every environment.

Everything an operator may change is read from the environment here, with safe local
defaults: SQLite and folders under ``$SAMIZDAT_DATA_DIR`` (``./var``).
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# The installed package: templates, static files and catalogs are found through it.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SAMIZDAT_DATA_DIR", "var")).resolve()

# The baked reader site: plain files with relative links, servable from anywhere.
SAMIZDAT_SITE_DIR = Path(os.environ.get("SAMIZDAT_SITE_DIR", DATA_DIR / "site")).resolve()
# Path (inside the baked site) under which image renditions and assets are written.
SAMIZDAT_ASSETS_PREFIX = "assets"
# Where the reader site's root is served ("/news/" under a sub-path): only the 404 page,
# which a server sends at any depth, needs to know; every other link is relative.
SAMIZDAT_SITE_PATH = ("/" + os.environ.get("SAMIZDAT_SITE_PATH", "").strip("/") + "/").replace("//", "/")
# Site files that are not baked pages (the signed manifest, offline bundles, written by
# samizdat.reach after each bake): a full bake's prune leaves them.
SAMIZDAT_SITE_KEEP = ["manifest.txt", "manifest.txt.minisig", "minisign.pub", "bundles/*", "keys/*", "*/pagefind/*"]
# samizdat.reach: the secret key that signs the site's manifest (`samizdat keygen` writes it;
# never in the repository), and the mirrors pushed after every bake (JSON in the environment;
# see samizdat/reach/mirrors.py). No key and no mirror: nothing is signed or pushed.
SAMIZDAT_SIGNING_KEY = os.environ.get("SAMIZDAT_SIGNING_KEY", str(DATA_DIR / "keys" / "signing.key"))
SAMIZDAT_MIRRORS = os.environ.get("SAMIZDAT_MIRRORS", "{}")
# Editions whose offline bundle (the last SAMIZDAT_BUNDLE_DAYS days) is baked daily into the site.
SAMIZDAT_BUNDLES = [c for c in os.environ.get("SAMIZDAT_BUNDLES", "").split(",") if c]
SAMIZDAT_BUNDLE_DAYS = int(os.environ.get("SAMIZDAT_BUNDLE_DAYS", "7"))
# samizdat.search: each edition's static search index (Pagefind, `site/<edition>/pagefind/`)
# is rebuilt this many seconds after a bake touched the edition (one rebuild for a burst of
# publishes); the origin's search page answers this many searches per client and window.
SAMIZDAT_STATIC_SEARCH = os.environ.get("SAMIZDAT_STATIC_SEARCH", "1") != "0"
SAMIZDAT_SEARCH_DEBOUNCE = int(os.environ.get("SAMIZDAT_SEARCH_DEBOUNCE", "10"))
SAMIZDAT_SEARCH_RATE = os.environ.get("SAMIZDAT_SEARCH_RATE", "30/60")  # searches / seconds
# The static index is kept in parts of at most this many posts: a publish rebuilds the part
# its pages are in (new posts: the newest part), not the whole archive; a search loads every
# part's small entry files.
SAMIZDAT_SEARCH_PART_POSTS = int(os.environ.get("SAMIZDAT_SEARCH_PART_POSTS", "5000"))
# A worker rebuilds an index in a process of its own (niced) and goes back to the queue at once.
SAMIZDAT_SEARCH_BACKGROUND = True
# Tor's HiddenServiceDir for the onion service (`samizdat onion` writes the torrc lines).
SAMIZDAT_ONION_DIR = os.environ.get("SAMIZDAT_ONION_DIR", str(DATA_DIR / "onion"))
# How often the worker looks for scheduled publishing and time-triggered changes.
SAMIZDAT_WORKER_INTERVAL = float(os.environ.get("SAMIZDAT_WORKER_INTERVAL", "5"))
# Run bake batches in the process that queued them, right after commit (tests, demo setup).
SAMIZDAT_BAKE_EAGER = False
# Processes a full bake renders with (a batch of a few paths always runs in one).
SAMIZDAT_BAKE_WORKERS = int(os.environ.get("SAMIZDAT_BAKE_WORKERS", "0")) or os.cpu_count() or 1

DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("SAMIZDAT_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "axes",
    # Ours come last: the newsroom's post-migrate set-up needs every other app's permissions.
    "samizdat.publishing",
    "samizdat.theme",
    "samizdat.delivery",
    "samizdat.reach",
    "samizdat.newsroom",
    "samizdat.accounts",
    "samizdat.backups",
    "samizdat.mail",
    "samizdat.search",
    # Not the runtime: `samizdat demo` and `samizdat bench`. The runtime apps never import them.
    "samizdat.demo",
    "samizdat.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "samizdat.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A save that fails on a full disk answers with what the editor sent, not a 500.
    "samizdat.newsroom.middleware.StorageFullMiddleware",
    # Last, as django-axes asks: it turns a lockout into the response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samizdat.urls"
WSGI_APPLICATION = "samizdat.wsgi.application"

TEMPLATES = [
    {
        # The reader theme: Jinja2, several times faster to render than Django templates.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "samizdat.theme.jinja.environment",
            "autoescape": True,
            "extensions": [
                "wagtail.jinja2tags.core",
                "wagtail.images.jinja2tags.images",
            ],
        },
    },
    {
        # The Wagtail and Django admins stay on Django templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The newsroom's wording of a few Wagtail admin templates (they extend Wagtail's own).
        "DIRS": [PACKAGE_DIR / "newsroom" / "admin_overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database():
    url = os.environ.get("DATABASE_URL")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
            raise ImproperlyConfigured(
                "DATABASE_URL must start with postgres:// (PostgreSQL via psycopg 3) or "
                f"sqlite:// — got {url.split(':', 1)[0]!r}. Unset it to use the embedded SQLite."
            )
        database = dj_database_url.parse(url, conn_max_age=60)
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database["OPTIONS"] = SQLITE_OPTIONS  # a sqlite:// address gets the same care
        return database
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "samizdat.sqlite3", "OPTIONS": SQLITE_OPTIONS}


SQLITE_OPTIONS = {
    # WAL lets the baker, the worker and the admin work at the same time; IMMEDIATE and a
    # generous timeout make concurrent writers (a login flood recording failures) wait
    # their turn instead of failing with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


DATABASES = {"default": _database()}
# Background work — our bakes and Wagtail's own tasks — is queued in the database and run by
# `samizdat worker` (several may run against one PostgreSQL).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in protection (samizdat.accounts). django-axes counts failed sign-ins per name and per
# address + name; at the limit the name is locked for the cool-off, the right password included
# (every failure while locked starts the cool-off again). `samizdat unlock <name>` lifts it.
SAMIZDAT_LOGIN_FAILURE_LIMIT = int(os.environ.get("SAMIZDAT_LOGIN_FAILURE_LIMIT", "20"))
SAMIZDAT_LOGIN_COOLOFF_MINUTES = int(os.environ.get("SAMIZDAT_LOGIN_COOLOFF_MINUTES", "30"))
# Behind a reverse proxy: the header it sets with the client's address (e.g. X-Forwarded-For).
# Unset, the peer address is used and such headers are ignored: a client could forge them.
SAMIZDAT_CLIENT_IP_HEADER = os.environ.get("SAMIZDAT_CLIENT_IP_HEADER", "")
# Editors and administrators must enrol a second factor (production turns it on).
SAMIZDAT_REQUIRE_2FA = False

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked name before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = SAMIZDAT_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SAMIZDAT_LOGIN_COOLOFF_MINUTES)
# Per name (an attacker with many addresses), and per address + name (kept if an operator drops
# the per-name rule to stop attackers from locking known names out).
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
AXES_CLIENT_IP_CALLABLE = "samizdat.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "samizdat.accounts.lockout.lockout_response"
# No log of successful sign-ins: where staff sign in from is not kept for anyone to seize.
AXES_DISABLE_ACCESS_LOG = True
WAGTAILADMIN_USER_LOGIN_FORM = "samizdat.accounts.forms.LoginForm"
OTP_TOTP_ISSUER = "Samizdat"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fa", "فارسی"), ("ru", "Русский")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "Samizdat"
WAGTAILADMIN_BASE_URL = os.environ.get("SAMIZDAT_ADMIN_BASE_URL", "http://127.0.0.1:8000")


def _passkey_origin(base_url):
    # Passkeys are bound to the admin's host name. Browsers refuse an IP address there, so a
    # local admin at 127.0.0.1 uses passkeys at http://localhost (same port) instead.
    parts = urlsplit(base_url)
    host = parts.hostname or "localhost"
    try:
        ipaddress.ip_address(host)
        host = "localhost"
    except ValueError:
        pass
    return host, f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


# Passkeys (django-otp-webauthn) as a second factor only: no sign-in without the password.
OTP_WEBAUTHN_RP_NAME = "Samizdat"
OTP_WEBAUTHN_RP_ID, _origin = _passkey_origin(WAGTAILADMIN_BASE_URL)
OTP_WEBAUTHN_ALLOWED_ORIGINS = [_origin]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Uploads: only real images, of a sane size; anything else gets a clear form error.
WAGTAILIMAGES_IMAGE_FORM_BASE = "samizdat.newsroom.forms.ImageForm"
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 8 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILEMBEDS_RESPONSIVE_HTML = False
# Editors are not trusted with raw HTML: Draftail stores only these features.
SAMIZDAT_RICHTEXT_FEATURES = [
    "h2", "h3", "bold", "italic", "link", "blockquote", "ol", "ul", "image", "embed", "hr",
]
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {"features": SAMIZDAT_RICHTEXT_FEATURES},
    }
}
# No gravatar: it would send every editor's e-mail hash to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
WAGTAIL_MODERATION_ENABLED = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: browsers then send "Origin: null" and Django refuses the
# admin's forms (CSRF). Reader pages set no-referrer themselves.
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# News by e-mail (samizdat.mail; docs/mail.md). Production sends through SMTP: set
# SAMIZDAT_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST & co.
EMAIL_BACKEND = os.environ.get("SAMIZDAT_EMAIL_BACKEND", EMAIL_BACKEND)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The origin's public address: subscribe, confirm and unsubscribe links point there. The
# baked subscribe form is shown only when it is set (a mirror's form must post to the origin).
SAMIZDAT_MAIL_ORIGIN = os.environ.get("SAMIZDAT_MAIL_ORIGIN", "")
SAMIZDAT_MAIL_FROM = os.environ.get("SAMIZDAT_MAIL_FROM", "news@localhost")
SAMIZDAT_MAIL_LIST_DOMAIN = os.environ.get("SAMIZDAT_MAIL_LIST_DOMAIN", "localhost")
# Where readers may write "subscribe" ({edition}: the edition's slug), "" for none.
SAMIZDAT_MAIL_INBOUND_ADDRESS = os.environ.get("SAMIZDAT_MAIL_INBOUND_ADDRESS", "")
# The envelope sender of each mail, {token} naming the subscriber (VERP), e.g.
# bounce+{token}@news.example.org, routed to `samizdat mail-inbound`: hard bounces and
# complaints stop mail to the address. "" : the From address is the envelope sender.
SAMIZDAT_MAIL_BOUNCE_ADDRESS = os.environ.get("SAMIZDAT_MAIL_BOUNCE_ADDRESS", "")
SAMIZDAT_MAIL_RATE = float(os.environ.get("SAMIZDAT_MAIL_RATE", "10"))  # messages a second; 0: no limit
SAMIZDAT_MAIL_LEASE_SECONDS = float(os.environ.get("SAMIZDAT_MAIL_LEASE_SECONDS", "60"))
SAMIZDAT_MAIL_RETRY_DELAYS = [60, 300, 1800, 7200]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "samizdat": {"handlers": ["console"], "level": os.environ.get("SAMIZDAT_LOG_LEVEL", "INFO")},
    },
}
