"""`make run`'s banner (scripts/banner.py): URL, demo accounts and where the emails go; and
the Makefile's settings for it (DEBUG off, emails as files, ITSM_BASE_URL from HOST/PORT)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def banner_module():
    spec = importlib.util.spec_from_file_location("banner", ROOT / "scripts" / "banner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_banner_names_the_url_the_accounts_and_the_mail_folder(banner_module, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = "/srv/itsm/var/mail"
    text = banner_module.banner("127.0.0.1", "8108")
    assert "http://127.0.0.1:8108/" in text
    assert "desk1" in text
    assert "Demo@2026" in text
    assert "/srv/itsm/var/mail/" in text


def test_make_run_serves_the_product_pages_and_writes_emails_to_files():
    makefile = (ROOT / "Makefile").read_text()
    assert "DEBUG ?= 0" in makefile
    assert 'EMAIL_URL="$${EMAIL_URL:-filemail://}"' in makefile
    assert 'ITSM_BASE_URL="$${ITSM_BASE_URL:-http://$(HOST):$(PORT)}"' in makefile
    procfile = (ROOT / "Procfile.dev").read_text()
    assert "banner: python scripts/banner.py --wait" in procfile
    assert "-l warning" in procfile


def test_filemail_writes_under_var_mail(settings):
    import environ

    parsed = environ.Env.email_url_config("filemail://")
    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert settings.EMAIL_FILE_PATH
