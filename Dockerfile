# The production image: the wheel (app + templates, static files, migrations, translations,
# seeds) with the locked dependency set (constraints.txt). One image, two roles:
#   web:    python -m collab.ops.serve --no-workers   (migrates, then gunicorn on $PORT)
#   worker: python -m collab.ops.serve --no-web --no-migrate   (analysis workers, ballot timer)
# Configuration from the environment (README, "Operations"); compose.yaml wires it up.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir "setuptools>=68" "babel>=2.14" wheel
COPY pyproject.toml setup.py README.md constraints.txt ./
COPY collab collab
COPY graphs graphs
COPY templates templates
COPY static static
COPY migrations migrations
COPY translations translations
COPY seeds seeds
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation -w /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KN_ENV=production \
    KN_INSTANCE_PATH=/var/lib/kommunalnetz \
    PORT=8000
RUN useradd --system --create-home --home-dir /var/lib/kommunalnetz --shell /usr/sbin/nologin \
      kommunalnetz
COPY --from=build /wheels /wheels
COPY constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir -c /tmp/constraints.txt \
      "$(ls /wheels/kommunalnetz-*.whl)[production]" \
    && rm -rf /wheels /tmp/constraints.txt
USER kommunalnetz
WORKDIR /var/lib/kommunalnetz
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=8)"
CMD ["python", "-m", "collab.ops.serve", "--no-workers"]
