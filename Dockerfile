FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends gdal-bin libgdal-dev gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# Hashed, gzipped static files with their manifest: what production mode (GRIDGOV_PRODUCTION=1) serves.
RUN python manage.py compilemessages --ignore 'var/*' && GRIDGOV_STATIC_MANIFEST=1 python manage.py collectstatic --noinput
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
