# The portal's image: gunicorn for the web, and the same image for the Celery worker, Celery
# beat and the one-shot migrations (docker-compose.yml builds it once as partner-portal).
#
# Base images are pinned to exact version tags. Pin them to digests too where the build host
# can look them up (`docker buildx imagetools inspect python:3.11.17-slim-bookworm`), and move
# both on purpose, together with uv.lock. The RUN --mount lines need BuildKit, Docker's default
# builder since Docker Engine 23.
FROM python:3.11.17-slim-bookworm

# uv from its own pinned image; the dependencies come from uv.lock only.
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=partner_portal.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 --user-group portal

# The dependencies first, in a layer of their own: rebuilt only when the lock changes.
# --frozen installs exactly what uv.lock says and fails if pyproject.toml disagrees with it;
# --no-dev leaves out the test and lint tools.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project

COPY . .

# Static files are collected into the image. The key below exists for this command only; the
# real one comes from the environment at run time (.env through docker-compose.yml).
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER portal
EXPOSE 8000
# Settings in ./gunicorn.conf.py.
CMD ["gunicorn"]
