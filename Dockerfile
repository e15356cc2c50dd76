# One image for web, worker and beat; the command differs per service (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext curl postgresql-client fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 crm
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
RUN pip install --no-cache-dir -c requirements.lock .

COPY --chown=crm:crm . .
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-not-a-secret-------------------------------- \
    python manage.py compilemessages --ignore=.venv -v0 \
 && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-not-a-secret-------------------------------- \
    python manage.py collectstatic --no-input -v0 \
 && mkdir -p /app/media /app/var/backups \
 && chown -R crm:crm /app/var /app/media

USER crm
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "crm.wsgi:application"]
