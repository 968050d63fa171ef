# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ITSM_VAR_DIR=/var/lib/itsm \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint (the monthly report's PDF) needs Pango, and the report a CJK font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN python scripts/compile_messages.py \
    && SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home /var/lib/itsm itsm \
    && mkdir -p /var/lib/itsm/media && chown -R itsm /var/lib/itsm

USER itsm
EXPOSE 8000
# Workers, bind address and access log: gunicorn.conf.py (WEB_CONCURRENCY sets the workers).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "itsm.wsgi:application"]
